package standards

import (
	"errors"

	"github.com/paved-road/paved/internal/yamlcheck"
)

// Error is one problem at one place in a standards document. Its Key is a
// dotted key path such as environments.prod.subnet_ids[1], empty for the
// document itself.
type Error = yamlcheck.Problem

// joinErrors joins problems, in file order, into one error of an *Error for
// each, or returns nil when there are none.
func joinErrors(problems []yamlcheck.Problem) error {
	errs := make([]error, len(problems))
	for i := range problems {
		errs[i] = &problems[i]
	}
	return errors.Join(errs...)
}
