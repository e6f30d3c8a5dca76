package capsule

import (
	"context"
	"iter"
	"slices"
	"time"
)

// MaxPerPage is the largest page Capsule serves. Iterators ask for it, so a
// full export of N records costs ceil(N/100) requests.
const MaxPerPage = 100

// ListOptions selects a page of a list and what each record carries.
type ListOptions struct {
	// Page is 1-based; 0 means the first page.
	Page int `url:"page,omitempty"`
	// PerPage is 1 to 100; 0 means Capsule's default (50) for one page and
	// 100 for iterators.
	PerPage int `url:"perPage,omitempty"`
	// Since keeps only records changed after it (parties, opportunities and
	// kases). It is sent in UTC, to the second, and Capsule compares it with
	// updatedAt, which is also whole seconds: for incremental sync, start a
	// little before the last cursor and de-duplicate by id, or a change made
	// in the cursor's own second is missed. The services' Changes feeds do
	// this, with the deleted feed, under one cursor.
	Since time.Time `url:"-"`
	// Embed adds data that records leave out by default, such as "tags" or
	// "fields".
	Embed []string `url:"embed,comma,omitempty"`
}

func (o *ListOptions) listOptions() *ListOptions { return o }

// ReadOptions selects what a single record carries.
type ReadOptions struct {
	Embed []string `url:"embed,comma,omitempty"`
}

// Page is one page of a list and the response that carried it.
type Page[T any] struct {
	Items    []*T
	Response *Response
}

// PageFunc fetches one page of a list. Every paged Read method of a service
// has this shape (for example Client.Parties.Read), so it can be handed to
// All or Pages directly.
type PageFunc[T any] func(ctx context.Context, opts *ListOptions) ([]*T, *Response, error)

// Pages returns an iterator over the pages of a list, fetched lazily: a page
// is requested only when the previous one has been consumed. It starts at
// opts.Page (default 1), asks for opts.PerPage records (default 100), and
// stops after the last page (no Link rel="next"), an empty page, or a next
// link that does not advance. An error is yielded once and ends the
// iteration. opts is copied; the caller may reuse it.
func Pages[T any](ctx context.Context, opts *ListOptions, fetch PageFunc[T]) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		if ctx == nil {
			yield(nil, invalidArg("ctx", "must not be nil"))
			return
		}
		var o ListOptions
		if opts != nil {
			o = *opts
			o.Embed = slices.Clone(o.Embed)
		}
		if o.PerPage == 0 {
			o.PerPage = MaxPerPage
		}
		if o.Page == 0 {
			o.Page = 1
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			pageOpts := o
			items, resp, err := fetch(ctx, &pageOpts)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(items) == 0 {
				return
			}
			if !yield(&Page[T]{Items: items, Response: resp}, nil) {
				return
			}
			if resp == nil || resp.NextPage <= o.Page {
				return
			}
			o.Page = resp.NextPage
		}
	}
}

// All returns an iterator over every record of a list, page by page as
// Pages does.
func All[T any](ctx context.Context, opts *ListOptions, fetch PageFunc[T]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for page, err := range Pages(ctx, opts, fetch) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}

// iterate is All for the services' ...Iter methods.
func iterate[T any](ctx context.Context, opts *ListOptions, fetch PageFunc[T]) iter.Seq2[*T, error] {
	return All(ctx, opts, fetch)
}

// pagedIter is iterate for a list whose options struct embeds ListOptions
// beside filters of its own (TaskListOptions, BoardListOptions, ...): list
// points at the embedded ListOptions, and read gets a copy of opts with the
// page set.
func pagedIter[T, O any](ctx context.Context, opts *O, list func(*O) *ListOptions, read func(context.Context, *O) ([]*T, *Response, error)) iter.Seq2[*T, error] {
	var base O
	if opts != nil {
		base = *opts
	}
	return iterate(ctx, list(&base), func(ctx context.Context, lo *ListOptions) ([]*T, *Response, error) {
		o := base
		*list(&o) = *lo
		return read(ctx, &o)
	})
}

// unpagedQuery is the query of a list that Capsule documents without
// paging: the optional embed, and a page number only when Capsule
// advertises a next page anyway.
type unpagedQuery struct {
	Page  int      `url:"page,omitempty"`
	Embed []string `url:"embed,comma,omitempty"`
}

// readAllUnpaged reads a list that Capsule documents without paging. If
// Capsule pages it anyway (a Link rel="next"), the following pages are read
// too, so the result is always the whole list. The returned Response is the
// last one.
func readAllUnpaged[T any](ctx context.Context, e endpoint[T], path string, embed []string) ([]*T, *Response, error) {
	var items []*T
	var last *Response
	fetch := func(ctx context.Context, lo *ListOptions) ([]*T, *Response, error) {
		q := unpagedQuery{Embed: embed}
		if lo.Page > 1 {
			q.Page = lo.Page
		}
		page, resp, err := e.list(ctx, path, &q)
		last = resp
		return page, resp, err
	}
	for page, err := range Pages(ctx, nil, fetch) {
		if err != nil {
			return nil, last, err
		}
		items = append(items, page.Items...)
	}
	return items, last, nil
}

// Collect drains seq into a slice, stopping at the first error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
