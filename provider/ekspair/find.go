package ekspair

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/bluegreen"
)

// sideFound is what EKS holds of one side of a pair.
type sideFound struct {
	cluster   *ekstypes.Cluster
	nodeGroup *ekstypes.Nodegroup // nil when gone, or not looked for
}

// findPair looks up the sides in want, each with its node group when want
// says so. A side whose cluster is gone is missing from the result, which
// is drift of that side; when no cluster of the pair is left, the pair is
// awserr.NotFound.
func (o *pairOps) findPair(ctx context.Context, want map[string]bool) (map[string]sideFound, error) {
	found := map[string]sideFound{}
	for _, side := range bluegreen.Sides {
		withNodeGroup, ok := want[side]
		if !ok {
			continue
		}
		cluster, err := o.findCluster(ctx, o.names.cluster(side))
		if awserr.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		f := sideFound{cluster: cluster}
		if withNodeGroup {
			f.nodeGroup, err = o.findNodegroup(ctx, o.names.cluster(side), o.names.nodeGroup(side))
			if err != nil && !awserr.IsNotFound(err) {
				return nil, err
			}
		}
		found[side] = f
	}
	if len(found) == 0 {
		return nil, awserr.NotFound(nil, "EKS cluster pair %s", o.names.pair)
	}
	return found, nil
}

// findCluster describes a cluster; one being deleted counts as gone.
func (o *pairOps) findCluster(ctx context.Context, name string) (*ekstypes.Cluster, error) {
	out, err := o.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if awserr.Is(err, "ResourceNotFoundException") {
		return nil, awserr.NotFound(err, "EKS cluster %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("DescribeCluster %s: %w", name, err)
	}
	if out.Cluster.Status == ekstypes.ClusterStatusDeleting {
		return nil, awserr.NotFound(nil, "EKS cluster %s (deleting)", name)
	}
	return out.Cluster, nil
}

// findNodegroup describes a node group; one being deleted counts as gone.
func (o *pairOps) findNodegroup(ctx context.Context, cluster, name string) (*ekstypes.Nodegroup, error) {
	out, err := o.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)})
	if awserr.Is(err, "ResourceNotFoundException") {
		return nil, awserr.NotFound(err, "node group %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("DescribeNodegroup %s: %w", name, err)
	}
	if out.Nodegroup.Status == ekstypes.NodegroupStatusDeleting {
		return nil, awserr.NotFound(nil, "node group %s (deleting)", name)
	}
	return out.Nodegroup, nil
}

// findRole gets one of the roles a pair creates.
func (o *pairOps) findRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	out, err := o.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if awserr.Is(err, "NoSuchEntity") {
		return nil, awserr.NotFound(err, "role %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("GetRole %s: %w", name, err)
	}
	return out.Role, nil
}
