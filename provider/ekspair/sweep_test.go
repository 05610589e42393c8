package ekspair_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/pages"
	"github.com/paved-road/paved/provider/tags"
)

// TestMain runs the package's tests against one emulator, then the sweeper.
func TestMain(m *testing.M) { acctest.Main(m) }

func init() { acctest.AddSweeper("paved_eks_cluster_pair", sweep) }

// pairRole is the name of the roles a pair creates: <name>-<side>-cluster
// and <name>-<side>-node.
var pairRole = regexp.MustCompile(`^[a-z][a-z0-9-]*-(blue|green)-(cluster|node)$`)

// sweepWait bounds each wait for a deletion, polled every second or more:
// the emulator deletes at once.
const sweepWait = 5 * time.Minute

// sweep removes what the tests of pairs may have left in the account: the
// clusters paved tagged as its own in the region, node groups first, and,
// once per account since IAM is global, the pairs' roles paved tagged.
func sweep(ctx context.Context, cfg aws.Config) ([]string, error) {
	found, err := clusters(ctx, eks.NewFromConfig(cfg))
	if err == nil && cfg.Region == "us-east-1" {
		var roles []acctest.Leftover
		roles, err = acctest.PavedRoles(ctx, iam.NewFromConfig(cfg), pairRole.MatchString)
		found = append(found, roles...)
	}
	if err != nil {
		return nil, err
	}
	return acctest.RemovePaved(ctx, found)
}

// clusters are the region's clusters paved tagged, each removed with its
// node groups: EKS deletes no cluster that still has one.
func clusters(ctx context.Context, client *eks.Client) ([]acctest.Leftover, error) {
	names, err := pages.All(ctx, eks.NewListClustersPaginator(client, &eks.ListClustersInput{}),
		func(p *eks.ListClustersOutput) []string { return p.Clusters })
	if err != nil {
		return nil, err
	}
	var found []acctest.Leftover
	for _, name := range names {
		found = append(found, acctest.Leftover{
			What: "EKS cluster " + name,
			Paved: func(ctx context.Context) (bool, error) {
				c, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
				if awserr.Is(err, "ResourceNotFoundException") {
					return false, nil
				}
				return err == nil && c.Cluster.Tags["managed-by"] == tags.ManagedBy, err
			},
			Remove: func(ctx context.Context) error { return deleteCluster(ctx, client, name) },
		})
	}
	return found, nil
}

func deleteCluster(ctx context.Context, client *eks.Client, name string) error {
	groups, err := pages.All(ctx, eks.NewListNodegroupsPaginator(client, &eks.ListNodegroupsInput{ClusterName: aws.String(name)}),
		func(p *eks.ListNodegroupsOutput) []string { return p.Nodegroups })
	if err != nil {
		return err
	}
	for _, g := range groups {
		if _, err := client.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{ClusterName: aws.String(name), NodegroupName: aws.String(g)}); err != nil {
			return fmt.Errorf("DeleteNodegroup %s: %w", g, err)
		}
		wait := &eks.DescribeNodegroupInput{ClusterName: aws.String(name), NodegroupName: aws.String(g)}
		if err := eks.NewNodegroupDeletedWaiter(client, func(o *eks.NodegroupDeletedWaiterOptions) { o.MinDelay = time.Second }).Wait(ctx, wait, sweepWait); err != nil {
			return err
		}
	}
	if _, err := client.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String(name)}); err != nil {
		return fmt.Errorf("DeleteCluster %s: %w", name, err)
	}
	return eks.NewClusterDeletedWaiter(client, func(o *eks.ClusterDeletedWaiterOptions) { o.MinDelay = time.Second }).Wait(ctx, &eks.DescribeClusterInput{Name: aws.String(name)}, sweepWait)
}
