package ekspair

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/iamrole"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/tags"
)

// pairOps runs the EKS and IAM calls of a pair in one account.
type pairOps struct {
	eks   *eks.Client
	iam   *iam.Client
	names pairNames
}

// The managed policies of the roles paved creates, as the EKS user guide lists them.
var (
	clusterPolicies = []string{"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}
	nodePolicies    = []string{
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
		"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
	}
)

// pairSpec is a pair in EKS's terms: what apply builds and compares.
type pairSpec struct {
	sides map[string]*sideSpec // by side; absent sides are missing
	tags  map[string]string    // tags_all: the clusters' tags, paved:live included
}

// partTags are the tags of node groups and roles: the clusters' without paved:live.
func (s pairSpec) partTags() map[string]string {
	out := maps.Clone(s.tags)
	delete(out, liveTag)
	return out
}

type sideSpec struct {
	side      string
	cluster   string
	version   string
	public    bool
	private   bool
	roleARN   string
	ownRole   string // the cluster role paved creates, or "" when role_arn names another
	nodeGroup *nodeGroupSpec
}

type nodeGroupSpec struct {
	name          string
	role          string // the node role paved creates
	instanceTypes []string
	amiType       string
	minSize       int32
	maxSize       int32
	desiredSize   int32
	labels        map[string]string
}

// spec reads the pair model into Go values; every value is known by apply.
func (o *pairOps) spec(ctx context.Context, m *pairModel, diags *diag.Diagnostics) (pairSpec, error) {
	s := pairSpec{sides: map[string]*sideSpec{}, tags: convert.StringMap(m.TagsAll)}
	for _, side := range bluegreen.Sides {
		sm := parseSide(ctx, *m.sideObject(side), diags)
		if sm == nil {
			continue
		}
		ss := &sideSpec{
			side:    side,
			cluster: o.names.cluster(side),
			version: sm.side.Version.ValueString(),
			public:  sm.side.EndpointPublicAccess.ValueBool(),
			private: sm.side.EndpointPrivateAccess.ValueBool(),
			roleARN: sm.side.RoleARN.ValueString(),
		}
		if role := o.names.clusterRole(side); ss.roleARN == o.names.roleARN(role) {
			ss.ownRole = role
		}
		if sm.ng != nil {
			ng := &nodeGroupSpec{
				name:        o.names.nodeGroup(side),
				role:        o.names.nodeRole(side),
				minSize:     int32(sm.ng.MinSize.ValueInt64()),
				maxSize:     int32(sm.ng.MaxSize.ValueInt64()),
				desiredSize: int32(sm.ng.DesiredSize.ValueInt64()),
				labels:      convert.StringMap(sm.ng.Labels),
			}
			diags.Append(sm.ng.InstanceTypes.ElementsAs(ctx, &ng.instanceTypes, false)...)
			amiType, err := amiTypeFor(ng.instanceTypes)
			if err != nil {
				return s, fmt.Errorf("node group of %s: %w", side, err)
			}
			ng.amiType = amiType
			ss.nodeGroup = ng
		}
		s.sides[side] = ss
	}
	return s, nil
}

// apply carries out the side changes in order, within timeout in all: sides that stay or arrive
// first, so that the live tag has moved and the new side runs before a
// side is replaced or removed. If a step fails, what this apply created is
// removed again, newest first (see rollback); what it deleted stays deleted.
func (o *pairOps) apply(ctx context.Context, changes []sideChange, have, want pairSpec, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var undo []func(context.Context) error
	var todo []steps.Step
	ordered := slices.Clone(changes)
	slices.SortStableFunc(ordered, func(a, b sideChange) int {
		return boolOrder(a.destructive()) - boolOrder(b.destructive())
	})
	for _, c := range ordered {
		h, w := have.sides[c.side], want.sides[c.side]
		switch c.action {
		case sideCreate, sideRecreate:
			todo = append(todo, o.createSteps(w, want.tags, want.partTags(), &undo, timeout)...)
		case sideReplace:
			todo = append(todo, o.deleteSteps(h, w, timeout)...)
			todo = append(todo, o.createSteps(w, want.tags, want.partTags(), &undo, timeout)...)
		case sideRemove:
			todo = append(todo, o.deleteSteps(h, nil, timeout)...)
		case sideKeep:
			todo = append(todo, o.updateSteps(c, h, w, have, want, &undo, timeout)...)
		}
	}
	if err := steps.Run(ctx, todo); err != nil {
		return steps.Rollback(ctx, err, undo)
	}
	return nil
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// createSteps builds one side: its roles unless they exist, the cluster,
// then the node group, each waited for.
func (o *pairOps) createSteps(s *sideSpec, clusterTags, partTags map[string]string, undo *[]func(context.Context) error, timeout time.Duration) []steps.Step {
	var todo []steps.Step
	if s.ownRole != "" {
		todo = append(todo, o.roleStep(s.ownRole, "eks.amazonaws.com", []string{"sts:AssumeRole", "sts:TagSession"}, clusterPolicies, partTags, undo))
	}
	if s.nodeGroup != nil {
		todo = append(todo, o.roleStep(s.nodeGroup.role, "ec2.amazonaws.com", []string{"sts:AssumeRole"}, nodePolicies, partTags, undo))
	}
	todo = append(todo,
		steps.Step{Name: "create cluster " + s.cluster, Run: func(ctx context.Context) error {
			_, err := o.eks.CreateCluster(ctx, &eks.CreateClusterInput{
				Name:    aws.String(s.cluster),
				Version: aws.String(s.version),
				RoleArn: aws.String(s.roleARN),
				ResourcesVpcConfig: &ekstypes.VpcConfigRequest{
					SubnetIds:             o.names.env.SubnetIDs,
					SecurityGroupIds:      o.names.env.SecurityGroupIDs,
					EndpointPublicAccess:  aws.Bool(s.public),
					EndpointPrivateAccess: aws.Bool(s.private),
				},
				Tags: clusterTags,
			}, retryIAMPropagation)
			if err == nil {
				*undo = append(*undo, func(ctx context.Context) error { return o.deleteCluster(ctx, s.cluster, timeout) })
			}
			return err
		}},
		steps.Step{Name: "wait for cluster " + s.cluster + " to become active", Run: func(ctx context.Context) error {
			return o.waitClusterActive(ctx, s.cluster, timeout)
		}},
	)
	if s.nodeGroup != nil {
		todo = append(todo, o.nodeGroupSteps(s, partTags, undo, timeout)...)
	}
	return todo
}

func (o *pairOps) nodeGroupSteps(s *sideSpec, tags map[string]string, undo *[]func(context.Context) error, timeout time.Duration) []steps.Step {
	ng := s.nodeGroup
	return []steps.Step{
		{Name: "create node group " + ng.name, Run: func(ctx context.Context) error {
			_, err := o.eks.CreateNodegroup(ctx, &eks.CreateNodegroupInput{
				ClusterName:   aws.String(s.cluster),
				NodegroupName: aws.String(ng.name),
				NodeRole:      aws.String(o.names.roleARN(ng.role)),
				Subnets:       o.names.env.SubnetIDs,
				InstanceTypes: ng.instanceTypes,
				AmiType:       ekstypes.AMITypes(ng.amiType),
				Version:       aws.String(s.version),
				ScalingConfig: &ekstypes.NodegroupScalingConfig{
					MinSize: aws.Int32(ng.minSize), MaxSize: aws.Int32(ng.maxSize), DesiredSize: aws.Int32(ng.desiredSize),
				},
				Labels: ng.labels,
				Tags:   tags,
			}, retryIAMPropagation)
			if err == nil {
				*undo = append(*undo, func(ctx context.Context) error { return o.deleteNodegroup(ctx, s.cluster, ng.name, timeout) })
			}
			return err
		}},
		{Name: "wait for node group " + ng.name + " to become active", Run: func(ctx context.Context) error {
			return o.waitNodegroupActive(ctx, s.cluster, ng.name, timeout)
		}},
	}
}

// roleStep creates a role paved owns, or adopts one paved created before
// (a side created again after its cluster vanished finds its roles), and
// attaches its managed policies. Only a role this step created is undone.
func (o *pairOps) roleStep(name, service string, actions, policies []string, roleTags map[string]string, undo *[]func(context.Context) error) steps.Step {
	return steps.Step{Name: "create role " + name, Run: func(ctx context.Context) error {
		role, err := o.findRole(ctx, name)
		switch {
		case awserr.IsNotFound(err):
			if _, err := o.iam.CreateRole(ctx, &iam.CreateRoleInput{
				RoleName:                 aws.String(name),
				AssumeRolePolicyDocument: aws.String(serviceTrustPolicy(service, actions...)),
				Description:              aws.String("paved: " + service + " role of EKS cluster pair " + o.names.pair),
				Tags:                     iamrole.Tags(roleTags),
			}); err != nil {
				return err
			}
			*undo = append(*undo, func(ctx context.Context) error { return iamrole.Delete(ctx, o.iam, name) })
		case err != nil:
			return err
		case !pavedOwned(role.Tags):
			return fmt.Errorf("role %s exists and paved did not create it (no managed-by=%s tag); remove it, or set role_arn", name, tags.ManagedBy)
		}
		for _, p := range policies {
			if _, err := o.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
				return fmt.Errorf("AttachRolePolicy %s: %w", p, err)
			}
		}
		return nil
	}}
}

// deleteSteps take down a side, in dependency order: node group, cluster,
// then the roles paved created that the side's next form (w, nil when the
// side goes) does not use.
func (o *pairOps) deleteSteps(h, w *sideSpec, timeout time.Duration) []steps.Step {
	var todo []steps.Step
	if h.nodeGroup != nil {
		todo = append(todo, o.deleteNodegroupStep(h, timeout))
	}
	todo = append(todo, steps.Step{Name: "delete cluster " + h.cluster, Run: func(ctx context.Context) error {
		return o.deleteCluster(ctx, h.cluster, timeout)
	}})
	if h.ownRole != "" && (w == nil || w.ownRole == "") {
		todo = append(todo, o.deleteRoleStep(h.ownRole))
	}
	if h.nodeGroup != nil && (w == nil || w.nodeGroup == nil) {
		todo = append(todo, o.deleteRoleStep(h.nodeGroup.role))
	}
	return todo
}

func (o *pairOps) deleteNodegroupStep(h *sideSpec, timeout time.Duration) steps.Step {
	return steps.Step{Name: "delete node group " + h.nodeGroup.name, Run: func(ctx context.Context) error {
		return o.deleteNodegroup(ctx, h.cluster, h.nodeGroup.name, timeout)
	}}
}

// deleteRoleStep deletes a role if paved created it: the name alone could
// be a role someone made by hand, so the managed-by tag must say paved.
func (o *pairOps) deleteRoleStep(name string) steps.Step {
	return steps.Step{Name: "delete role " + name, Run: func(ctx context.Context) error {
		role, err := o.findRole(ctx, name)
		if awserr.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !pavedOwned(role.Tags) {
			return nil
		}
		return iamrole.Delete(ctx, o.iam, name)
	}}
}

// updateSteps change a kept side in place: endpoint access, node group,
// tags. Each is skipped when it has nothing to do.
func (o *pairOps) updateSteps(c sideChange, h, w *sideSpec, have, want pairSpec, undo *[]func(context.Context) error, timeout time.Duration) []steps.Step {
	var todo []steps.Step
	if h.public != w.public || h.private != w.private {
		todo = append(todo, steps.Step{Name: "update endpoint access of cluster " + w.cluster, Run: func(ctx context.Context) error {
			// Only the endpoint fields: EKS takes one kind of VPC update per call.
			if _, err := o.eks.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{
				Name: aws.String(w.cluster),
				ResourcesVpcConfig: &ekstypes.VpcConfigRequest{
					EndpointPublicAccess: aws.Bool(w.public), EndpointPrivateAccess: aws.Bool(w.private),
				},
			}); err != nil {
				return err
			}
			return o.waitClusterActive(ctx, w.cluster, timeout)
		}})
	}
	switch c.nodeGroup {
	case nodeGroupCreate:
		todo = append(todo, o.roleStep(w.nodeGroup.role, "ec2.amazonaws.com", []string{"sts:AssumeRole"}, nodePolicies, want.partTags(), undo))
		todo = append(todo, o.nodeGroupSteps(w, want.partTags(), undo, timeout)...)
	case nodeGroupReplace:
		todo = append(todo, o.deleteNodegroupStep(h, timeout))
		todo = append(todo, o.nodeGroupSteps(w, want.partTags(), undo, timeout)...)
	case nodeGroupRemove:
		todo = append(todo, o.deleteNodegroupStep(h, timeout), o.deleteRoleStep(h.nodeGroup.role))
	case nodeGroupKeep:
		if step, ok := o.nodeGroupConfigStep(w, h.nodeGroup, w.nodeGroup, timeout); ok {
			todo = append(todo, step)
		}
	}
	if !maps.Equal(have.tags, want.tags) {
		todo = append(todo, steps.Step{Name: "update tags of " + w.side, Run: func(ctx context.Context) error {
			return o.retag(ctx, h, w, have, want)
		}})
	}
	return todo
}

// nodeGroupConfigStep changes sizes and labels in place, if they changed.
func (o *pairOps) nodeGroupConfigStep(s *sideSpec, h, w *nodeGroupSpec, timeout time.Duration) (steps.Step, bool) {
	in := &eks.UpdateNodegroupConfigInput{ClusterName: aws.String(s.cluster), NodegroupName: aws.String(w.name)}
	changed := false
	if h.minSize != w.minSize || h.maxSize != w.maxSize || h.desiredSize != w.desiredSize {
		in.ScalingConfig = &ekstypes.NodegroupScalingConfig{
			MinSize: aws.Int32(w.minSize), MaxSize: aws.Int32(w.maxSize), DesiredSize: aws.Int32(w.desiredSize),
		}
		changed = true
	}
	if set, remove := tags.Diff(h.labels, w.labels); len(set) > 0 || len(remove) > 0 {
		in.Labels = &ekstypes.UpdateLabelsPayload{AddOrUpdateLabels: set, RemoveLabels: remove}
		changed = true
	}
	return steps.Step{Name: "update node group " + w.name, Run: func(ctx context.Context) error {
		if _, err := o.eks.UpdateNodegroupConfig(ctx, in); err != nil {
			return err
		}
		return o.waitNodegroupActive(ctx, s.cluster, w.name, timeout)
	}}, changed
}

// retag brings a kept side's tags to want. The cluster's are compared with
// what it carries, so drift on either cluster is repaired; node group and
// roles follow the change of tags_all, and do not carry paved:live, so a
// flip of live retags the clusters alone.
func (o *pairOps) retag(ctx context.Context, h, w *sideSpec, have, want pairSpec) error {
	cluster, err := o.findCluster(ctx, w.cluster)
	if err != nil {
		return err
	}
	if err := o.retagResource(ctx, cluster.Arn, cluster.Tags, want.tags); err != nil {
		return err
	}
	set, remove := tags.Diff(have.partTags(), want.partTags())
	if len(set) == 0 && len(remove) == 0 {
		return nil
	}
	if h.nodeGroup != nil && w.nodeGroup != nil {
		ng, err := o.findNodegroup(ctx, w.cluster, w.nodeGroup.name)
		if err != nil {
			return err
		}
		if err := o.retagResource(ctx, ng.NodegroupArn, ng.Tags, want.partTags()); err != nil {
			return err
		}
	}
	var roles []string
	if w.ownRole != "" {
		roles = append(roles, w.ownRole)
	}
	if w.nodeGroup != nil {
		roles = append(roles, w.nodeGroup.role)
	}
	for _, role := range roles {
		if err := iamrole.ApplyTags(ctx, o.iam, role, have.partTags(), want.partTags()); err != nil {
			return fmt.Errorf("role %s: %w", role, err)
		}
	}
	return nil
}

func (o *pairOps) retagResource(ctx context.Context, arn *string, have, want map[string]string) error {
	return tags.Retag(ctx, have, want, tags.Calls{
		Untag: func(ctx context.Context, keys []string) error {
			_, err := o.eks.UntagResource(ctx, &eks.UntagResourceInput{ResourceArn: arn, TagKeys: keys})
			return awserr.Wrap("UntagResource "+aws.ToString(arn), err)
		},
		Tag: func(ctx context.Context, set map[string]string) error {
			_, err := o.eks.TagResource(ctx, &eks.TagResourceInput{ResourceArn: arn, Tags: set})
			return awserr.Wrap("TagResource "+aws.ToString(arn), err)
		},
	})
}

// deleteAll takes down every side. A side that fails does not stop the
// other; the errors are reported together and a retried destroy resumes.
func (o *pairOps) deleteAll(ctx context.Context, have pairSpec, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var errs []error
	for _, side := range bluegreen.Sides {
		h := have.sides[side]
		if h == nil {
			continue
		}
		if err := steps.Run(ctx, o.deleteSteps(h, nil, timeout)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", side, err))
		}
	}
	return errors.Join(errs...)
}

// deleteCluster deletes a cluster and waits until it is gone; one already
// gone is no error.
func (o *pairOps) deleteCluster(ctx context.Context, name string, timeout time.Duration) error {
	_, err := o.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String(name)})
	if awserr.Is(err, "ResourceNotFoundException") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("DeleteCluster %s: %w", name, err)
	}
	if err := o.waitClusterDeleted(ctx, name, timeout); err != nil {
		return fmt.Errorf("waiting for cluster %s to be deleted: %w", name, err)
	}
	return nil
}

func (o *pairOps) deleteNodegroup(ctx context.Context, cluster, name string, timeout time.Duration) error {
	_, err := o.eks.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)})
	if awserr.Is(err, "ResourceNotFoundException") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("DeleteNodegroup %s: %w", name, err)
	}
	if err := o.waitNodegroupDeleted(ctx, cluster, name, timeout); err != nil {
		return fmt.Errorf("waiting for node group %s to be deleted: %w", name, err)
	}
	return nil
}

// serviceTrustPolicy lets an AWS service assume a role, with the given actions only.
func serviceTrustPolicy(service string, actions ...string) string {
	doc := iamrole.Document{
		Version: "2012-10-17",
		Statement: []iamrole.Statement{{
			Effect:    "Allow",
			Principal: map[string]iamrole.StringList{"Service": {service}},
			Action:    actions,
		}},
	}
	b, _ := json.Marshal(doc) // a struct of strings always marshals
	return string(b)
}

// pavedOwned reports whether a role's tags say paved created it.
func pavedOwned(have []iamtypes.Tag) bool {
	for _, t := range have {
		if aws.ToString(t.Key) == "managed-by" && aws.ToString(t.Value) == tags.ManagedBy {
			return true
		}
	}
	return false
}

// retryIAMPropagation retries a call that names a role created moments
// before: IAM is eventually consistent, and until EKS sees the new role it
// answers InvalidParameterException.
func retryIAMPropagation(o *eks.Options) {
	o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(func(so *retry.StandardOptions) {
		so.Retryables = append(so.Retryables, retry.IsErrorRetryableFunc(isIAMPropagation))
		so.MaxBackoff = 10 * time.Second
		so.RateLimiter = ratelimit.None
	}), 12)
}

func isIAMPropagation(err error) aws.Ternary {
	if !awserr.Is(err, "InvalidParameterException") {
		return aws.UnknownTernary
	}
	msg := err.Error()
	for _, s := range []string{"could not be assumed", "does not exist", "doesn't have the Amazon EKS Managed Policies"} {
		if strings.Contains(msg, s) {
			return aws.TrueTernary
		}
	}
	return aws.UnknownTernary
}
