package provider

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type requestKey struct{}

// payload stands for what terraform-plugin-go puts in a request's context:
// loggers and their fields.
type payload [4096]byte

// The server must not keep anything of a request's context once the call
// has returned, or a plan of many resources grows the provider's memory
// with every resource it refreshes.
func TestServerReleasesRequestContexts(t *testing.T) {
	server := NewProtocol6Server("test")()
	const requests = 20
	released := make(chan struct{}, requests)
	for range requests {
		p := new(payload)
		runtime.AddCleanup(p, func(ch chan struct{}) { ch <- struct{}{} }, released)
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), requestKey{}, p))
		_, err := server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "paved_redis"})
		cancel() // as gRPC does when the call is over
		if err != nil {
			t.Fatalf("ReadResource: %v", err)
		}
	}
	got := 0
	for attempt := 0; attempt < 100 && got < requests; attempt++ {
		runtime.GC()
		for drained := false; !drained; {
			select {
			case <-released:
				got++
			case <-time.After(10 * time.Millisecond):
				drained = true
			}
		}
	}
	runtime.KeepAlive(server) // a provider process serves until Terraform is done
	if got != requests {
		t.Fatalf("%d of %d request contexts were released after the calls returned; the server still holds the others", got, requests)
	}
}

// recordingServer stands in for the framework: it keeps the context it was
// called with and derives a cancelable one, as the framework does.
type recordingServer struct {
	tfprotov6.ProviderServer
	check func(ctx context.Context)
	kept  *context.Context
}

func (s recordingServer) ReadResource(ctx context.Context, _ *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	*s.kept = ctx
	s.check(ctx)
	return &tfprotov6.ReadResourceResponse{}, nil
}

func TestServerPassesValuesAndCancellationDuringTheCall(t *testing.T) {
	var kept context.Context
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), requestKey{}, "request-1"))
	defer cancel()
	server := releasingServer{recordingServer{
		kept: &kept,
		check: func(got context.Context) {
			if v := got.Value(requestKey{}); v != "request-1" {
				t.Errorf("during the call, Value = %v, want the request's value", v)
			}
			derived, stop := context.WithCancel(got)
			defer stop()
			cancel() // Terraform stopping the provider
			select {
			case <-derived.Done():
			case <-time.After(10 * time.Second):
				t.Error("cancelling the request did not reach a context derived during the call")
			}
		},
	}}
	if _, err := server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{}); err != nil {
		t.Fatal(err)
	}
	if v := kept.Value(requestKey{}); v != nil {
		t.Errorf("after the call, Value = %v, want nil", v)
	}
	if kept.Err() == nil {
		t.Error("after the call, the context is not done")
	}
}
