package acctest

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

// AccountEKS returns an EKS client in the account's region, independent of
// the provider.
func AccountEKS(t *testing.T, account string) *eks.Client {
	t.Helper()
	cfg := AccountConfig(t, account)
	cfg.Region = Region[account]
	return eks.NewFromConfig(cfg)
}

// EKSParts is what one account holds of a pair, read with the API.
type EKSParts struct {
	Clusters   map[string]ekstypes.Cluster
	NodeGroups map[string]ekstypes.Nodegroup // by node group name
}

// ListEKSParts reads what account holds of the pairs whose names start with prefix.
func ListEKSParts(t *testing.T, account, prefix string) EKSParts {
	t.Helper()
	client := AccountEKS(t, account)
	ctx := context.Background()
	parts := EKSParts{Clusters: map[string]ekstypes.Cluster{}, NodeGroups: map[string]ekstypes.Nodegroup{}}
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
		parts.Clusters[name] = *c.Cluster
		groups, err := client.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups.Nodegroups {
			ng, err := client.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(name), NodegroupName: aws.String(g)})
			if err != nil {
				t.Fatal(err)
			}
			parts.NodeGroups[g] = *ng.Nodegroup
		}
	}
	return parts
}

// Names are the clusters' names, sorted.
func (p EKSParts) Names() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for n := range p.Clusters {
			if !yield(n) {
				return
			}
		}
	})
}

// NoEKSPartsAnywhere checks that no environment account holds a cluster
// (and so a node group) whose name starts with prefix, and no account a
// role whose name does.
func NoEKSPartsAnywhere(t *testing.T, prefix string) error {
	for _, account := range []string{DevAccount, ProdAccount} {
		if p := ListEKSParts(t, account, prefix); len(p.Clusters) > 0 {
			return fmt.Errorf("account %s still holds clusters %v", account, p.Names())
		}
	}
	return NoRolesAnywhere(t, prefix)
}
