package ekspair_test

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/iamrole"
	"github.com/paved-road/paved/provider/tags"
)

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
	removed, err := sweepClusters(ctx, eks.NewFromConfig(cfg))
	if err != nil || cfg.Region != "us-east-1" {
		return removed, err
	}
	roles, err := sweepRoles(ctx, iam.NewFromConfig(cfg))
	return append(removed, roles...), err
}

func sweepClusters(ctx context.Context, client *eks.Client) ([]string, error) {
	var removed []string
	clusters := eks.NewListClustersPaginator(client, &eks.ListClustersInput{})
	for clusters.HasMorePages() {
		page, err := clusters.NextPage(ctx)
		if err != nil {
			return removed, err
		}
		for _, name := range page.Clusters {
			c, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
			if awserr.Is(err, "ResourceNotFoundException") {
				continue
			}
			if err != nil {
				return removed, err
			}
			if c.Cluster.Tags["managed-by"] != tags.ManagedBy {
				continue
			}
			groups, err := sweepNodeGroups(ctx, client, name)
			removed = append(removed, groups...)
			if err != nil {
				return removed, err
			}
			if _, err := client.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String(name)}); err != nil {
				return removed, fmt.Errorf("DeleteCluster %s: %w", name, err)
			}
			if err := eks.NewClusterDeletedWaiter(client, func(o *eks.ClusterDeletedWaiterOptions) { o.MinDelay = time.Second }).Wait(ctx, &eks.DescribeClusterInput{Name: aws.String(name)}, sweepWait); err != nil {
				return removed, err
			}
			removed = append(removed, "EKS cluster "+name)
		}
	}
	return removed, nil
}

// sweepNodeGroups deletes every node group of a cluster paved made: EKS
// deletes no cluster that still has one.
func sweepNodeGroups(ctx context.Context, client *eks.Client, cluster string) ([]string, error) {
	var removed []string
	groups := eks.NewListNodegroupsPaginator(client, &eks.ListNodegroupsInput{ClusterName: aws.String(cluster)})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return removed, err
		}
		for _, name := range page.Nodegroups {
			in := &eks.DeleteNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)}
			if _, err := client.DeleteNodegroup(ctx, in); err != nil {
				return removed, fmt.Errorf("DeleteNodegroup %s: %w", name, err)
			}
			wait := &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)}
			if err := eks.NewNodegroupDeletedWaiter(client, func(o *eks.NodegroupDeletedWaiterOptions) { o.MinDelay = time.Second }).Wait(ctx, wait, sweepWait); err != nil {
				return removed, err
			}
			removed = append(removed, "EKS node group "+cluster+"/"+name)
		}
	}
	return removed, nil
}

// sweepRoles deletes the roles named as a pair names them that paved
// tagged as its own; never the inspector's role the tests sign in with.
func sweepRoles(ctx context.Context, client *iam.Client) ([]string, error) {
	var removed []string
	roles := iam.NewListRolesPaginator(client, &iam.ListRolesInput{})
	for roles.HasMorePages() {
		page, err := roles.NextPage(ctx)
		if err != nil {
			return removed, err
		}
		for _, r := range page.Roles {
			name := aws.ToString(r.RoleName)
			if name == "test-inspector" || !pairRole.MatchString(name) {
				continue
			}
			out, err := client.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
			if err != nil {
				return removed, err
			}
			owned := false
			for _, tag := range out.Tags {
				owned = owned || (aws.ToString(tag.Key) == "managed-by" && aws.ToString(tag.Value) == tags.ManagedBy)
			}
			if !owned {
				continue
			}
			if err := iamrole.Delete(ctx, client, name); err != nil {
				return removed, err
			}
			removed = append(removed, "IAM role "+name)
		}
	}
	return removed, nil
}
