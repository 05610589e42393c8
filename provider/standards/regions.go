package standards

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paved-road/paved/internal/suggest"
)

// regions are the AWS regions of the commercial, GovCloud, China and
// European Sovereign Cloud partitions as of early 2026.
var regions = []string{
	// Commercial.
	"af-south-1",
	"ap-east-1", "ap-east-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
	// GovCloud.
	"us-gov-east-1", "us-gov-west-1",
	// China.
	"cn-north-1", "cn-northwest-1",
	// European Sovereign Cloud.
	"eusc-de-east-1",
}

// IsRegion reports whether s is a known AWS region name.
func IsRegion(s string) bool {
	return slices.Contains(regions, s)
}

// checkRegion rejects unknown regions, suggesting the one probably meant.
func checkRegion(s string) error {
	if IsRegion(s) {
		return nil
	}
	if r := closestRegion(s); r != "" {
		return fmt.Errorf("%q is not a known AWS region; did you mean %q?", s, r)
	}
	return fmt.Errorf("%q is not a known AWS region", s)
}

// closestRegion returns the region s is most likely a typo of, or "".
func closestRegion(s string) string {
	return suggest.Closest(strings.ToLower(s), regions)
}
