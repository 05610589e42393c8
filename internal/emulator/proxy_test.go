package emulator_test

import (
	"context"
	"maps"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/paved-road/paved/internal/emulator"
)

func TestProxyCountsActions(t *testing.T) {
	ctx := context.Background()
	proxy, err := emulator.NewProxy(server.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })

	cfg := hubConfig()
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	ec := elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	for range 2 {
		if _, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ec.DescribeCacheParameterGroups(ctx, &elasticache.DescribeCacheParameterGroupsInput{}); err != nil {
		t.Fatal(err)
	}
	// A JSON-protocol call is counted by its target, anything else by method
	// and path; what the emulator answers does not matter.
	send := func(method, path, target string) {
		req, err := http.NewRequestWithContext(ctx, method, proxy.URL+path, http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send(http.MethodPost, "/", "DynamoDB_20120810.ListTables")
	send(http.MethodGet, "/v1/clusters", "")

	want := map[string]int{
		"GetCallerIdentity":            2,
		"DescribeCacheParameterGroups": 1,
		"DynamoDB_20120810.ListTables": 1,
		"GET /v1/clusters":             1,
	}
	got := proxy.Counts()
	if !maps.Equal(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
	got["GetCallerIdentity"] = 99
	if n := proxy.Count("GetCallerIdentity"); n != 2 {
		t.Errorf("Count(GetCallerIdentity) = %d after changing the copy Counts returned, want 2", n)
	}

	proxy.ResetCounts()
	if n := proxy.Count("GetCallerIdentity"); n != 0 || len(proxy.Counts()) != 0 {
		t.Errorf("after ResetCounts: Count = %d, Counts = %v", n, proxy.Counts())
	}
}
