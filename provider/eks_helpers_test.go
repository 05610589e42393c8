package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// What TestAccBlueGreenUpgrade reads of an EKS cluster pair, while it is in
// the flat package; the pair's own tests are in package ekspair, and these
// helpers are acctest's, which this package cannot import.

// eksLiveTag on both clusters names the live side.
const eksLiveTag = "paved:live"

const eksPairAddr = "paved_eks_cluster_pair.test"

// accountEKS returns an EKS client in the account's region, independent of
// the provider.
func accountEKS(t *testing.T, account string) *eks.Client {
	t.Helper()
	cfg := accountConfig(t, account)
	cfg.Region = envRegion[account]
	return eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = aws.String(testEmulator.URL) })
}

// eksParts is what one account holds of a pair, read with the API.
type eksParts struct {
	clusters   map[string]ekstypes.Cluster
	nodeGroups map[string]ekstypes.Nodegroup // by node group name
}

func listEKSParts(t *testing.T, account, prefix string) eksParts {
	t.Helper()
	client := accountEKS(t, account)
	ctx := context.Background()
	parts := eksParts{clusters: map[string]ekstypes.Cluster{}, nodeGroups: map[string]ekstypes.Nodegroup{}}
	names, err := client.ListClusters(ctx, &eks.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names.Clusters {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		c, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		parts.clusters[name] = *c.Cluster
		groups, err := client.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups.Nodegroups {
			ng, err := client.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(name), NodegroupName: aws.String(g)})
			if err != nil {
				t.Fatal(err)
			}
			parts.nodeGroups[g] = *ng.Nodegroup
		}
	}
	return parts
}

func (p eksParts) names() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for n := range p.clusters {
			if !yield(n) {
				return
			}
		}
	})
}

// noEKSPartsAnywhere checks that no environment account holds a cluster
// (and so a node group) whose name starts with prefix, and no account a
// role whose name does.
func noEKSPartsAnywhere(t *testing.T, prefix string) error {
	for _, account := range []string{devAccount, prodAccount} {
		if p := listEKSParts(t, account, prefix); len(p.clusters) > 0 {
			return fmt.Errorf("account %s still holds clusters %v", account, p.names())
		}
	}
	return noRolesAnywhere(t, prefix)
}
