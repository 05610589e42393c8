package ekspair

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

func TestIsIAMPropagation(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want aws.Ternary
	}{
		{&ekstypes.InvalidParameterException{Message: aws.String("Role with arn: arn:aws:iam::1:role/x, could not be assumed because it does not exist or the trusted entity is not correct")}, aws.TrueTernary},
		{&ekstypes.InvalidParameterException{Message: aws.String("unsupported Kubernetes version 1.27")}, aws.UnknownTernary},
		{errors.New("could not be assumed"), aws.UnknownTernary},
	} {
		if got := isIAMPropagation(tc.err); got != tc.want {
			t.Errorf("isIAMPropagation(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
