package capsule

import (
	"context"
	"iter"
)

// SavedFilter is a filter saved in Capsule's web UI for parties,
// opportunities or kases. The API lists and runs saved filters but does not
// create them. Capsule's docs do not describe them: they are seen on the
// live API and used by other clients, and the shape beyond the
// {"filters":[...]} envelope is UNCONFIRMED. This model is the documented
// Filter (conditions and orderBy) plus an id and a name; unknown keys are
// ignored. Unlike an ad-hoc Filter, a saved filter's OrderBy sorts its
// results.
type SavedFilter struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Conditions are ANDed, as in Filter; a value decodes as a string,
	// float64, bool or nil.
	Conditions []Condition `json:"conditions"`
	OrderBy    []OrderBy   `json:"orderBy"`
}

// savedFiltersEndpoint is /{entity}/filters of the record endpoint e.
func savedFiltersEndpoint[T any](e endpoint[T]) endpoint[SavedFilter] {
	return newEndpoint[SavedFilter](e.client, e.path+"/filters", "filter", "filters")
}

// readSavedFilters reads the saved filters of e's entity (one list, not
// paged).
func readSavedFilters[T any](ctx context.Context, e endpoint[T]) ([]*SavedFilter, *Response, error) {
	return readAllUnpaged(ctx, savedFiltersEndpoint(e), "", nil)
}

func readSavedFilter[T any](ctx context.Context, e endpoint[T], id int64) (*SavedFilter, *Response, error) {
	return savedFiltersEndpoint(e).get(ctx, id, nil)
}

// savedFilterResults reads one page of the records the saved filter id
// matches, in the entity's list format.
func savedFilterResults[T any](ctx context.Context, e endpoint[T], id int64, opts *ListOptions) ([]*T, *Response, error) {
	path, err := childPath(e.path+"/filters", id, "results")
	if err != nil {
		return nil, nil, err
	}
	return e.list(ctx, path, opts)
}

func savedFilterResultsIter[T any](ctx context.Context, e endpoint[T], id int64, opts *ListOptions) iter.Seq2[*T, error] {
	path, err := childPath(e.path+"/filters", id, "results")
	if err != nil {
		return errSeq[T](err)
	}
	return e.listIter(ctx, path, opts)
}

// SavedFilters returns the filters saved in Capsule's web UI for parties.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /parties/filters (undocumented; seen on the live API)
func (s *PartiesService) SavedFilters(ctx context.Context) ([]*SavedFilter, *Response, error) {
	return readSavedFilters(ctx, partiesEndpoint(s.client))
}

// SavedFilter returns the saved party filter with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /parties/filters/{filterId} (undocumented; seen on the live API)
func (s *PartiesService) SavedFilter(ctx context.Context, id int64) (*SavedFilter, *Response, error) {
	return readSavedFilter(ctx, partiesEndpoint(s.client), id)
}

// SavedFilterResults returns one page of the parties the saved filter
// with the given id matches, in its saved order; opts.Embed takes the
// party embeds.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /parties/filters/{filterId}/results (undocumented; seen on the live API)
func (s *PartiesService) SavedFilterResults(ctx context.Context, id int64, opts *ListOptions) ([]*Party, *Response, error) {
	return savedFilterResults(ctx, partiesEndpoint(s.client), id, opts)
}

// SavedFilterResultsIter iterates over every party the saved filter
// with the given id matches, fetching pages lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /parties/filters/{filterId}/results (undocumented; seen on the live API)
func (s *PartiesService) SavedFilterResultsIter(ctx context.Context, id int64, opts *ListOptions) iter.Seq2[*Party, error] {
	return savedFilterResultsIter(ctx, partiesEndpoint(s.client), id, opts)
}

// SavedFilters returns the filters saved in Capsule's web UI for opportunities.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /opportunities/filters (undocumented; seen on the live API)
func (s *OpportunitiesService) SavedFilters(ctx context.Context) ([]*SavedFilter, *Response, error) {
	return readSavedFilters(ctx, opportunitiesEndpoint(s.client))
}

// SavedFilter returns the saved opportunity filter with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /opportunities/filters/{filterId} (undocumented; seen on the live API)
func (s *OpportunitiesService) SavedFilter(ctx context.Context, id int64) (*SavedFilter, *Response, error) {
	return readSavedFilter(ctx, opportunitiesEndpoint(s.client), id)
}

// SavedFilterResults returns one page of the opportunities the saved filter
// with the given id matches, in its saved order; opts.Embed takes the
// opportunity embeds.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /opportunities/filters/{filterId}/results (undocumented; seen on the live API)
func (s *OpportunitiesService) SavedFilterResults(ctx context.Context, id int64, opts *ListOptions) ([]*Opportunity, *Response, error) {
	return savedFilterResults(ctx, opportunitiesEndpoint(s.client), id, opts)
}

// SavedFilterResultsIter iterates over every opportunity the saved filter
// with the given id matches, fetching pages lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /opportunities/filters/{filterId}/results (undocumented; seen on the live API)
func (s *OpportunitiesService) SavedFilterResultsIter(ctx context.Context, id int64, opts *ListOptions) iter.Seq2[*Opportunity, error] {
	return savedFilterResultsIter(ctx, opportunitiesEndpoint(s.client), id, opts)
}

// SavedFilters returns the filters saved in Capsule's web UI for kases.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /kases/filters (undocumented; seen on the live API)
func (s *KasesService) SavedFilters(ctx context.Context) ([]*SavedFilter, *Response, error) {
	return readSavedFilters(ctx, kasesEndpoint(s.client))
}

// SavedFilter returns the saved kase filter with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /kases/filters/{filterId} (undocumented; seen on the live API)
func (s *KasesService) SavedFilter(ctx context.Context, id int64) (*SavedFilter, *Response, error) {
	return readSavedFilter(ctx, kasesEndpoint(s.client), id)
}

// SavedFilterResults returns one page of the kases the saved filter
// with the given id matches, in its saved order; opts.Embed takes the
// kase embeds.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /kases/filters/{filterId}/results (undocumented; seen on the live API)
func (s *KasesService) SavedFilterResults(ctx context.Context, id int64, opts *ListOptions) ([]*Kase, *Response, error) {
	return savedFilterResults(ctx, kasesEndpoint(s.client), id, opts)
}

// SavedFilterResultsIter iterates over every kase the saved filter
// with the given id matches, fetching pages lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Filter
// GET /kases/filters/{filterId}/results (undocumented; seen on the live API)
func (s *KasesService) SavedFilterResultsIter(ctx context.Context, id int64, opts *ListOptions) iter.Seq2[*Kase, error] {
	return savedFilterResultsIter(ctx, kasesEndpoint(s.client), id, opts)
}
