package capsule

import (
	"context"
	"iter"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxIDsPerRequest is how many ids Capsule accepts in one show-multiple call.
const maxIDsPerRequest = 10

// endpoint is the generic core of a resource: its collection path and its
// singular and plural envelope keys. The services' exported methods are
// short wrappers around it.
type endpoint[T any] struct {
	client *Client
	path   string // collection path, e.g. "parties"
	one    string // singular envelope key, e.g. "party"
	many   string // plural envelope key, e.g. "parties"
}

func newEndpoint[T any](c *Client, path, one, many string) endpoint[T] {
	return endpoint[T]{client: c, path: path, one: one, many: many}
}

func (e endpoint[T]) itemPath(id int64) string {
	return e.path + "/" + strconv.FormatInt(id, 10)
}

// list fetches one page of the list at path ("" for the collection).
func (e endpoint[T]) list(ctx context.Context, path string, opts any) ([]*T, *Response, error) {
	if path == "" {
		path = e.path
	}
	var items []*T
	resp, err := e.client.call(ctx, &request{method: http.MethodGet, path: path, query: opts, outKey: e.many}, &items)
	if err != nil {
		return nil, resp, err
	}
	return items, resp, nil
}

// listIter iterates over every page of the list at path.
func (e endpoint[T]) listIter(ctx context.Context, path string, opts *ListOptions) iter.Seq2[*T, error] {
	return iterate(ctx, opts, func(ctx context.Context, o *ListOptions) ([]*T, *Response, error) {
		return e.list(ctx, path, o)
	})
}

// get fetches the record with the given id.
func (e endpoint[T]) get(ctx context.Context, id int64, opts any) (*T, *Response, error) {
	if id <= 0 {
		return nil, nil, invalidArg("id", "must be positive, got %d", id)
	}
	return e.getAt(ctx, e.itemPath(id), opts)
}

// getAt fetches the single record at path.
func (e endpoint[T]) getAt(ctx context.Context, path string, opts any) (*T, *Response, error) {
	return e.send(ctx, &request{method: http.MethodGet, path: path, query: opts, outKey: e.one})
}

// getMultiple fetches records by id, at most ten per request, and returns
// them in the order of ids.
func (e endpoint[T]) getMultiple(ctx context.Context, ids []int64, opts any) ([]*T, *Response, error) {
	if len(ids) == 0 {
		return nil, nil, invalidArg("ids", "must not be empty")
	}
	for _, id := range ids {
		if id <= 0 {
			return nil, nil, invalidArg("ids", "must be positive, got %d", id)
		}
	}
	all := make([]*T, 0, len(ids))
	var resp *Response
	for chunk := range slices.Chunk(ids, maxIDsPerRequest) {
		if len(chunk) == 1 {
			// One id is a show request, which Capsule answers with the
			// singular envelope.
			item, r, err := e.getAt(ctx, e.itemPath(chunk[0]), opts)
			resp = r
			if err != nil {
				return nil, resp, err
			}
			all = append(all, item)
			continue
		}
		parts := make([]string, len(chunk))
		for i, id := range chunk {
			parts[i] = strconv.FormatInt(id, 10)
		}
		items, r, err := e.list(ctx, e.path+"/"+strings.Join(parts, ","), opts)
		resp = r
		if err != nil {
			return nil, resp, err
		}
		all = append(all, items...)
	}
	sortByIDs(all, ids)
	return all, resp, nil
}

// sortByIDs puts items in the order of ids, matching on their ID field;
// items with an id not asked for go last.
func sortByIDs[T any](items []*T, ids []int64) {
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		if _, seen := pos[id]; !seen {
			pos[id] = i
		}
	}
	rank := func(item *T) int {
		f := reflect.ValueOf(item).Elem().FieldByName("ID")
		if f.IsValid() && f.CanInt() {
			if p, ok := pos[f.Int()]; ok {
				return p
			}
		}
		return len(ids)
	}
	slices.SortStableFunc(items, func(a, b *T) int { return rank(a) - rank(b) })
}

// search fetches one page of the records matching q.
func (e endpoint[T]) search(ctx context.Context, q string, opts *ListOptions) ([]*T, *Response, error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil, invalidArg("q", "must not be empty")
	}
	return e.list(ctx, e.path+"/search", &searchQuery{Q: q, ListOptions: derefOr(opts)})
}

// searchIter iterates over every record matching q.
func (e endpoint[T]) searchIter(ctx context.Context, q string, opts *ListOptions) iter.Seq2[*T, error] {
	return iterate(ctx, opts, func(ctx context.Context, o *ListOptions) ([]*T, *Response, error) {
		return e.search(ctx, q, o)
	})
}

type searchQuery struct {
	Q string `url:"q"`
	ListOptions
}

// filter fetches one page of the records matching f. The filter POST only
// reads, so it is retried like a GET.
func (e endpoint[T]) filter(ctx context.Context, f Filter, opts *ListOptions) ([]*T, *Response, error) {
	if err := f.validate(e.path); err != nil {
		return nil, nil, err
	}
	var items []*T
	resp, err := e.client.call(ctx, &request{
		method: http.MethodPost, path: e.path + "/filters/results", query: opts,
		in: f, inKey: "filter", outKey: e.many, readOnly: true,
	}, &items)
	if err != nil {
		return nil, resp, err
	}
	return items, resp, nil
}

// filterIter iterates over every record matching f.
func (e endpoint[T]) filterIter(ctx context.Context, f Filter, opts *ListOptions) iter.Seq2[*T, error] {
	return iterate(ctx, opts, func(ctx context.Context, o *ListOptions) ([]*T, *Response, error) {
		return e.filter(ctx, f, o)
	})
}

// create posts in to the collection and returns the stored record.
func (e endpoint[T]) create(ctx context.Context, in any, opts any) (*T, *Response, error) {
	return e.createAt(ctx, e.path, in, opts)
}

// createAt posts in to path and returns the stored record.
func (e endpoint[T]) createAt(ctx context.Context, path string, in any, opts any) (*T, *Response, error) {
	if isNil(in) {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	return e.send(ctx, &request{method: http.MethodPost, path: path, query: opts, in: in, inKey: e.one, outKey: e.one})
}

// update applies the partial update in to the record with the given id.
func (e endpoint[T]) update(ctx context.Context, id int64, in any, opts any) (*T, *Response, error) {
	if id <= 0 {
		return nil, nil, invalidArg("id", "must be positive, got %d", id)
	}
	if isNil(in) {
		return nil, nil, invalidArg("input", "must not be nil")
	}
	return e.send(ctx, &request{method: http.MethodPut, path: e.itemPath(id), query: opts, in: in, inKey: e.one, outKey: e.one})
}

// delete deletes the record with the given id. Capsule answers 204, or 202
// when it deletes in the background: the job is then in resp.JobID().
func (e endpoint[T]) delete(ctx context.Context, id int64) (*Response, error) {
	if id <= 0 {
		return nil, invalidArg("id", "must be positive, got %d", id)
	}
	return e.client.call(ctx, &request{method: http.MethodDelete, path: e.itemPath(id)}, nil)
}

// send makes r and decodes one record from its response.
func (e endpoint[T]) send(ctx context.Context, r *request) (*T, *Response, error) {
	v := new(T)
	resp, err := e.client.call(ctx, r, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// deleted reads the records deleted since the given time into out, which
// decodes the whole body (ids, deletedAt and the restricted records).
func (e endpoint[T]) deleted(ctx context.Context, since time.Time, out any) (*Response, error) {
	if since.IsZero() {
		return nil, invalidArg("since", "must be set: Capsule requires it for deleted records")
	}
	return e.client.call(ctx, &request{method: http.MethodGet, path: e.path + "/deleted", query: &ListOptions{Since: since}}, out)
}

func derefOr(o *ListOptions) ListOptions {
	if o == nil {
		return ListOptions{}
	}
	return *o
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// restore brings back the archived record collection/id with
// POST collection/id/restore and decodes the record under key.
func restore[T any](ctx context.Context, c *Client, collection string, id int64, key string) (*T, *Response, error) {
	if err := checkID("id", id); err != nil {
		return nil, nil, err
	}
	v := new(T)
	path := collection + "/" + strconv.FormatInt(id, 10) + "/restore"
	resp, err := c.call(ctx, &request{method: http.MethodPost, path: path, outKey: key}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}
