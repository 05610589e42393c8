package awserr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

func TestCodeThroughWrapping(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "role x"}
	err := fmt.Errorf("GetRole: %w", api)
	if Code(err) != "NoSuchEntity" || !Is(err, "Other", "NoSuchEntity") || Is(err, "Other") {
		t.Fatalf("Code(%v) = %q", err, Code(err))
	}
	if Code(errors.New("plain")) != "" || Is(nil, "NoSuchEntity") {
		t.Fatal("a plain error or nil has a code")
	}
}

func TestNotFound(t *testing.T) {
	err := fmt.Errorf("read: %w", NotFound(&smithy.GenericAPIError{Code: "RuleNotFound"}, "listener rule %s", "arn:x"))
	if !IsNotFound(err) || IsNotFound(errors.New("other")) {
		t.Fatalf("IsNotFound(%v) wrong", err)
	}
	if err.Error() != "read: listener rule arn:x not found: api error RuleNotFound: " || Code(err) != "RuleNotFound" {
		t.Fatalf("err = %q, code %q", err, Code(err))
	}
	if Wrap("TagRole", nil) != nil || Wrap("TagRole", errors.New("x")).Error() != "TagRole: x" {
		t.Fatal("Wrap")
	}
}
