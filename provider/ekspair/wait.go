package ekspair

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"

	"github.com/paved-road/paved/provider/timeouts"
)

// The waiters poll EKS as every paved resource polls AWS: see timeouts.PollMin.

func (o *pairOps) waitClusterActive(ctx context.Context, name string, timeout time.Duration) error {
	w := eks.NewClusterActiveWaiter(o.eks, func(w *eks.ClusterActiveWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	return w.Wait(ctx, &eks.DescribeClusterInput{Name: aws.String(name)}, timeout)
}

func (o *pairOps) waitClusterDeleted(ctx context.Context, name string, timeout time.Duration) error {
	w := eks.NewClusterDeletedWaiter(o.eks, func(w *eks.ClusterDeletedWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	return w.Wait(ctx, &eks.DescribeClusterInput{Name: aws.String(name)}, timeout)
}

func (o *pairOps) waitNodegroupActive(ctx context.Context, cluster, name string, timeout time.Duration) error {
	w := eks.NewNodegroupActiveWaiter(o.eks, func(w *eks.NodegroupActiveWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	return w.Wait(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)}, timeout)
}

func (o *pairOps) waitNodegroupDeleted(ctx context.Context, cluster, name string, timeout time.Duration) error {
	w := eks.NewNodegroupDeletedWaiter(o.eks, func(w *eks.NodegroupDeletedWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	return w.Wait(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)}, timeout)
}
