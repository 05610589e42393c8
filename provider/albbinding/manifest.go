package albbinding

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/provider/tags"
)

// k8sService is the Kubernetes service a binding sends traffic to.
type k8sService struct {
	namespace, name string
	port            int32
}

func serviceOf(m serviceModel) k8sService {
	return k8sService{namespace: m.Namespace.ValueString(), name: m.Name.ValueString(), port: int32(m.Port.ValueInt64())}
}

// targetGroupBinding is the AWS Load Balancer Controller's custom resource
// (elbv2.k8s.aws/v1beta1), with the fields paved sets.
type targetGroupBinding struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   tgbMetadata `yaml:"metadata"`
	Spec       tgbSpec     `yaml:"spec"`
}

type tgbMetadata struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace"`
	Labels    map[string]string `yaml:"labels"`
}

type tgbSpec struct {
	ServiceRef     tgbServiceRef  `yaml:"serviceRef"`
	TargetGroupARN string         `yaml:"targetGroupARN"`
	TargetType     string         `yaml:"targetType"`
	Networking     *tgbNetworking `yaml:"networking,omitempty"`
}

type tgbServiceRef struct {
	Name string `yaml:"name"`
	Port int32  `yaml:"port"`
}

type tgbNetworking struct {
	Ingress []tgbIngress `yaml:"ingress"`
}

type tgbIngress struct {
	From  []tgbPeer `yaml:"from"`
	Ports []tgbPort `yaml:"ports"`
}

type tgbPeer struct {
	SecurityGroup tgbSecurityGroup `yaml:"securityGroup"`
}

type tgbSecurityGroup struct {
	GroupID string `yaml:"groupID"`
}

type tgbPort struct {
	Protocol string `yaml:"protocol"`
	Port     int32  `yaml:"port"`
}

// targetGroupBindingManifest renders, as YAML, the TargetGroupBinding that
// makes the controller in a side's cluster register the service's pods in
// the side's target group, and open the service port to the load
// balancer's security groups. A load balancer without security groups gets
// no networking rule: there is nothing to allow traffic from.
func targetGroupBindingManifest(name, side string, svc k8sService, targetGroupARN string, securityGroups []string) (string, error) {
	tgb := targetGroupBinding{
		APIVersion: "elbv2.k8s.aws/v1beta1",
		Kind:       "TargetGroupBinding",
		Metadata: tgbMetadata{
			Name:      name + "-" + side,
			Namespace: svc.namespace,
			Labels:    map[string]string{"app.kubernetes.io/managed-by": tags.ManagedBy},
		},
		Spec: tgbSpec{
			ServiceRef:     tgbServiceRef{Name: svc.name, Port: svc.port},
			TargetGroupARN: targetGroupARN,
			TargetType:     "ip",
		},
	}
	if len(securityGroups) > 0 {
		ingress := tgbIngress{Ports: []tgbPort{{Protocol: "TCP", Port: svc.port}}}
		for _, sg := range securityGroups {
			ingress.From = append(ingress.From, tgbPeer{SecurityGroup: tgbSecurityGroup{GroupID: sg}})
		}
		tgb.Spec.Networking = &tgbNetworking{Ingress: []tgbIngress{ingress}}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(tgb); err != nil {
		return "", fmt.Errorf("TargetGroupBinding %s-%s: %w", name, side, err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("TargetGroupBinding %s-%s: %w", name, side, err)
	}
	return buf.String(), nil
}
