package yamlchecktest

import (
	"reflect"
	"testing"
)

const doc = "one\ntwo\nthree\nfour\n"

func TestEdit(t *testing.T) {
	got := Edit(t, doc, map[int]string{2: "TWO\nand a half", 4: ""})
	if want := "one\nTWO\nand a half\nthree\n\n"; got != want {
		t.Errorf("Edit = %q, want %q", got, want)
	}
}

func TestEditOfAMissingLineFails(t *testing.T) {
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		Edit(ft, doc, map[int]string{9: "nine"})
	}()
	if !ft.failed {
		t.Error("Edit of line 9 of a 5-line document did not fail the test")
	}
}

// fatalRecorder records a Fatalf instead of ending the test, then stops the
// caller as FailNow would.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}

func TestReplace(t *testing.T) {
	want := map[int]string{3: "x", 4: "", 5: ""}
	if got := Replace(3, 5, "x"); !reflect.DeepEqual(got, want) {
		t.Errorf("Replace(3, 5, x) = %v, want %v", got, want)
	}
	if got := Replace(2, 2, "y"); !reflect.DeepEqual(got, map[int]string{2: "y"}) {
		t.Errorf("Replace(2, 2, y) = %v", got)
	}
}
