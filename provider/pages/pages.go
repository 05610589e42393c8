// Package pages reads every page of an AWS SDK paginator, so that a find
// or a sweeper says what it lists and not how it turns pages.
package pages

import "context"

// Paginator is what every AWS SDK v2 paginator has: P is its page type, O
// its client's options.
type Paginator[P, O any] interface {
	HasMorePages() bool
	NextPage(ctx context.Context, optFns ...func(*O)) (P, error)
}

// All returns the items of every page, in order, or the first error.
func All[T, P, O any](ctx context.Context, p Paginator[P, O], items func(P) []T) ([]T, error) {
	var out []T
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, items(page)...)
	}
	return out, nil
}
