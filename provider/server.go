package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewProtocol6Server returns the provider as the protocol 6 server that
// terraform-provider-paved serves and the acceptance tests run.
//
// The framework's server keeps the cancel function of every request's
// context until Terraform calls StopProvider, which it does not do in a
// normal run. Each of those holds the whole request context, with the
// loggers and fields terraform-plugin-go puts in it: about 19 KB a
// request, so a plan of 1,000 resources (four requests each) kept some
// 75 MB alive until the process ended. The server returned here hands the
// framework, for the calls Terraform makes once per resource, a context that
// lets go of the request's when the call returns.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		return releasingServer{providerserver.NewProtocol6(New(version)())()}
	}
}

// releasingServer passes every call to the framework's server, and those
// made once per resource or data source with a releasingContext. The calls
// made once per process are left as they are: what they keep is bounded.
type releasingServer struct {
	tfprotov6.ProviderServer
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return released(ctx, req, s.ProviderServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return released(ctx, req, s.ProviderServer.UpgradeResourceState)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return released(ctx, req, s.ProviderServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return released(ctx, req, s.ProviderServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return released(ctx, req, s.ProviderServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return released(ctx, req, s.ProviderServer.ImportResourceState)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return released(ctx, req, s.ProviderServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return released(ctx, req, s.ProviderServer.ReadDataSource)
}

// released calls handle with a releasingContext over ctx, and releases it
// when handle returns.
func released[Req, Resp any](ctx context.Context, req Req, handle func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc := &releasingContext{}
	rc.current.Store(&ctx)
	defer rc.current.Store(&ended)
	return handle(rc, req)
}

// ended is what a releasingContext is once its call has returned: done,
// with no values.
var ended = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// releasingContext is the request's context until the call returns, then
// ended, so that whatever still holds it no longer holds the request's.
// context.WithCancel on it still finds the request's cancelCtx through
// Value and registers with it directly, so cancellation by Terraform
// (StopProvider, a closed connection) reaches the framework as before.
type releasingContext struct {
	current atomic.Pointer[context.Context]
}

func (c *releasingContext) ctx() context.Context { return *c.current.Load() }

func (c *releasingContext) Deadline() (time.Time, bool) { return c.ctx().Deadline() }
func (c *releasingContext) Done() <-chan struct{}       { return c.ctx().Done() }
func (c *releasingContext) Err() error                  { return c.ctx().Err() }
func (c *releasingContext) Value(key any) any           { return c.ctx().Value(key) }
