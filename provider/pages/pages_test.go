package pages

import (
	"context"
	"errors"
	"slices"
	"testing"
)

type options struct{}

type fake struct {
	pages [][]string
	fail  int // the page that fails, from 1; 0 for none
	read  int
}

func (f *fake) HasMorePages() bool { return f.read < len(f.pages) }

func (f *fake) NextPage(_ context.Context, _ ...func(*options)) ([]string, error) {
	f.read++
	if f.read == f.fail {
		return nil, errors.New("throttled")
	}
	return f.pages[f.read-1], nil
}

func TestAllReadsEveryPageInOrder(t *testing.T) {
	got, err := All(context.Background(), &fake{pages: [][]string{{"a", "b"}, {}, {"c"}}}, func(p []string) []string { return p })
	if err != nil || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("All = %v, %v", got, err)
	}
	got, err = All(context.Background(), &fake{pages: [][]string{{"a"}, {"b"}, {"c"}}, fail: 2}, func(p []string) []string { return p })
	if err == nil || !slices.Equal(got, []string{"a"}) {
		t.Fatalf("a failed page: %v, %v", got, err)
	}
}
