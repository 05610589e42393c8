// Package awserr is the one way the provider reads AWS errors: the API
// error code, through whatever wrapping the SDK adds, and the one error a
// find returns when what it looks for does not exist.
package awserr

import (
	"errors"
	"fmt"
	"slices"

	"github.com/aws/smithy-go"
)

// Code is the AWS API error code of err, or "" when err is not an API error.
func Code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// Is reports whether err is an AWS API error with one of the codes.
func Is(err error, codes ...string) bool {
	c := Code(err)
	return c != "" && slices.Contains(codes, c)
}

// NotFoundError is what every find returns when the thing it looks for is
// gone, so that every Read can remove the resource from state the same way.
type NotFoundError struct {
	What string // such as "replication group orders-cache"
	Err  error  // the API's error, when it gave one
}

func (e *NotFoundError) Error() string {
	if e.Err != nil {
		return e.What + " not found: " + e.Err.Error()
	}
	return e.What + " not found"
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// NotFound is the NotFoundError for what, formatted like fmt.Sprintf.
func NotFound(err error, format string, args ...any) error {
	return &NotFoundError{What: fmt.Sprintf(format, args...), Err: err}
}

// IsNotFound reports whether err, or an error it wraps, is a NotFoundError.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// Wrap names the call that failed, such as "TagRole", in err; nil stays nil.
func Wrap(call string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", call, err)
}
