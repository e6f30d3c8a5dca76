package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/capsulecrm-go/capsule"
)

// chooseLookup decides how rows find their records: a request per row (or
// per 10 ids), or one read of every candidate when that costs less than
// half of the per-row requests. The full read stops as soon as it would
// cost more, so a large account is never read whole for a small file.
func (r *runState) chooseLookup(ctx context.Context, keys int) error {
	if keys == 0 {
		return nil
	}
	perRow := keys
	r.sum.Lookup = strategyFilter
	if r.opts.Match == "id" {
		perRow = (keys + batchSize - 1) / batchSize
		r.sum.Lookup = strategyIDs
	}
	limit := perRow / 2
	if r.res.list == nil || limit < 1 {
		return nil
	}
	index := map[string][]int64{}
	records := map[int64]any{}
	for page := 1; page > 0; {
		if page > limit || !r.afford(1) {
			return nil // cheaper per row after all; what was read is dropped
		}
		r.spend()
		items, next, err := r.res.list(ctx, page)
		if err != nil {
			return fmt.Errorf("reading the %s to match: %w", r.opts.Type, err)
		}
		for _, it := range items {
			id := r.res.id(it)
			records[id] = it
			for _, k := range r.recordKeys(it) {
				index[k] = append(index[k], id)
			}
		}
		page = next
	}
	r.index, r.records = index, records
	r.sum.Lookup = fmt.Sprintf("one read of %d candidates", len(records))
	return nil
}

// recordKeys are the keys of a record under the run's match.
func (r *runState) recordKeys(rec any) []string {
	if r.opts.Match == "id" {
		return []string{strconv.FormatInt(r.res.id(rec), 10)}
	}
	return r.res.keys(rec, r.opts.Match, r.def)
}

// found is the outcome of looking a row up.
type found struct {
	rec any    // the matched record, nil for none
	err string // a failed or ambiguous lookup
}

// lookupBatch finds the record of each row of a batch from the index or
// with one show-multiple request; it returns nil when each row is to be
// looked up with a filter of its own.
func (r *runState) lookupBatch(ctx context.Context, rows []*row) []found {
	out := make([]found, len(rows))
	switch {
	case r.index != nil:
		for i, rw := range rows {
			out[i] = r.fromIndex(r.rowKey(rw))
		}
	case r.opts.Match == "id":
		r.lookupIDs(ctx, rows, out)
	default:
		return nil
	}
	return out
}

func (r *runState) fromIndex(key string) found {
	if key == "" {
		return found{}
	}
	ids := r.index[key]
	switch len(ids) {
	case 0:
		return found{}
	case 1:
		return found{rec: r.records[ids[0]]}
	}
	return found{err: ambiguous(r.opts.Match, key, ids)}
}

func ambiguous(match, key string, ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return fmt.Sprintf("ambiguous: %d records match %s %q (ids %s); nothing was written", len(ids), match, key, strings.Join(s, ", "))
}

// lookupIDs reads the ids of a batch with one show-multiple request; as
// Capsule answers 404 for the whole request when one id is missing, a 404
// is followed by one read per id.
func (r *runState) lookupIDs(ctx context.Context, rows []*row, out []found) {
	var ids []int64
	for _, rw := range rows {
		if id := rw.id("id"); id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || ctx.Err() != nil {
		return
	}
	if !r.afford(2) { // the lookup and at least one write
		r.sum.Stopped = "--max-requests reached"
		return
	}
	byID := map[int64]any{}
	r.spend()
	recs, err := r.res.readMultiple(ctx, ids)
	if errors.Is(err, capsule.ErrNotFound) {
		err = nil
		for _, id := range ids {
			if !r.afford(1) {
				break
			}
			r.spend()
			one, e := r.res.readMultiple(ctx, []int64{id})
			switch {
			case errors.Is(e, capsule.ErrNotFound):
			case e != nil:
				err = e
			default:
				recs = append(recs, one...)
			}
		}
	}
	for _, rec := range recs {
		byID[r.res.id(rec)] = rec
	}
	for i, rw := range rows {
		id := rw.id("id")
		switch {
		case id == 0:
		case byID[id] != nil:
			out[i] = found{rec: byID[id]}
		case err != nil:
			out[i] = found{err: "lookup failed: " + err.Error()}
		}
	}
}

// lookupFilter finds the row's record with a filter on its match.
func (r *runState) lookupFilter(ctx context.Context, rw *row) found {
	var f capsule.Filter
	switch m := r.opts.Match; m {
	case "email":
		f = capsule.Where("email", capsule.OpIs, rw.str("email"))
	case "name":
		name := rw.str("name")
		if name == "" {
			name = strings.TrimSpace(rw.str("first_name") + " " + rw.str("last_name"))
		}
		f = capsule.Where("name", capsule.OpIs, name)
	default:
		fc := rw.vals[m].(capsule.FieldChange)
		cond, err := r.def.Condition(capsule.OpIs, conditionValue(r.def, fc.Value))
		if err != nil {
			return found{err: "lookup: " + err.Error()}
		}
		f = capsule.WhereCondition(cond)
	}
	r.spend()
	items, _, err := r.res.filter(ctx, f, 1)
	if err != nil {
		return found{err: "lookup failed: " + err.Error()}
	}
	key := r.rowKey(rw)
	var ids []int64
	var match any
	for _, it := range items {
		// the filter may match more loosely than the key (a substring,
		// another case); only an equal key counts
		if slices.Contains(r.recordKeys(it), key) {
			ids = append(ids, r.res.id(it))
			match = it
		}
	}
	switch len(ids) {
	case 0:
		return found{}
	case 1:
		return found{rec: match}
	}
	return found{err: ambiguous(r.opts.Match, key, ids)}
}

// conditionValue is a custom field value as a filter condition takes it.
func conditionValue(d *capsule.FieldDefinition, v any) any {
	if d.Type == capsule.FieldTypeNumber {
		if f, err := strconv.ParseFloat(fieldText(v), 64); err == nil {
			return f
		}
	}
	return v
}
