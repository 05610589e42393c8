package albbinding

import "testing"

func TestTargetGroupBindingManifest(t *testing.T) {
	arn := "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-green/0123456789abcdef"
	svc := k8sService{namespace: "shop", name: "web", port: 8080}
	// Security groups only add the networking section to the same binding.
	withoutNetworking := `apiVersion: elbv2.k8s.aws/v1beta1
kind: TargetGroupBinding
metadata:
  name: shop-green
  namespace: shop
  labels:
    app.kubernetes.io/managed-by: paved
spec:
  serviceRef:
    name: web
    port: 8080
  targetGroupARN: ` + arn + `
  targetType: ip
`
	cases := []struct {
		name           string
		securityGroups []string
		want           string
	}{
		{"with security groups", []string{"sg-0a1b2c3d", "sg-1a2b3c4d"}, withoutNetworking + `  networking:
    ingress:
      - from:
          - securityGroup:
              groupID: sg-0a1b2c3d
          - securityGroup:
              groupID: sg-1a2b3c4d
        ports:
          - protocol: TCP
            port: 8080
`},
		{"without security groups", nil, withoutNetworking},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := targetGroupBindingManifest("shop", "green", svc, arn, tc.securityGroups)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("manifest:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
