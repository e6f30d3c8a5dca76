package capsuletest_test

// Tests of the fake's paging and since handling through HTTP (issue 14):
// each fails when one of the bounds or conditions of paging.go is flipped.

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

func TestListWithoutSinceListsEveryRecord(t *testing.T) {
	t.Parallel()
	srv := newServer(t, capsuletest.WithSeed(0))
	// A record stamped at the zero time is after no since at all: only a
	// since that is given filters.
	srv.SetNow(time.Time{})
	created := req(t, srv, http.MethodPost, "/parties", srv.Token,
		`{"party":{"type":"person","firstName":"Ada"}}`).want(t, http.StatusCreated).obj(t, "party")
	if got := created["updatedAt"]; got != "0001-01-01T00:00:00Z" {
		t.Fatalf("updatedAt %v, want the zero time", got)
	}
	srv.SetNow(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	later := req(t, srv, http.MethodPost, "/parties", srv.Token,
		`{"party":{"type":"person","firstName":"Grace"}}`).want(t, http.StatusCreated).obj(t, "party")

	ada, grace := id(t, created), id(t, later)
	for since, want := range map[string]map[int64]bool{
		"":                     {ada: true, grace: true},  // no since
		"0001-01-01T00:00:00Z": {ada: false, grace: true}, // since is strict
		"2024-05-01T11:59:59Z": {ada: false, grace: true},
		"2024-05-01T12:00:00Z": {ada: false, grace: false},
	} {
		query := url.Values{"perPage": {"100"}}
		if since != "" {
			query.Set("since", since)
		}
		listed := map[int64]bool{}
		for _, it := range get(t, srv, "/parties?"+query.Encode()).want(t, http.StatusOK).list(t, "parties") {
			listed[id(t, it)] = true
		}
		for rec, in := range want {
			if listed[rec] != in {
				t.Errorf("GET /parties?%s: party %d listed %v, want %v", query.Encode(), rec, listed[rec], in)
			}
		}
	}
	if r := get(t, srv, "/parties?since=yesterday").want(t, http.StatusBadRequest); r.message(t) == "" {
		t.Error("a bad since answers 400 with a message")
	}
}

func TestPageBounds(t *testing.T) {
	t.Parallel()
	srv := newServer(t, capsuletest.WithPerPageOutOfRangeStatus(http.StatusUnprocessableEntity))
	for _, q := range []string{"page=0", "page=-1", "page=x", "perPage=0", "perPage=101"} {
		if r := get(t, srv, "/categories?"+q).want(t, http.StatusUnprocessableEntity); r.message(t) == "" {
			t.Errorf("%s: no message", q)
		}
	}
	first := get(t, srv, "/categories?page=1&perPage=1").want(t, http.StatusOK)
	if items := first.list(t, "categories"); len(items) != 1 || id(t, items[0]) != 101 {
		t.Errorf("page 1 of 1 per page: %v", items)
	}
	if all := get(t, srv, "/categories?perPage=100").want(t, http.StatusOK).list(t, "categories"); len(all) != 6 {
		t.Errorf("perPage=100 lists %d categories, want all 6", len(all))
	}
}
