package capsule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func wantNote(t *testing.T) *Entry {
	return &Entry{
		ID:      900,
		Type:    EntryNote,
		EntryAt: ts(t, "2026-02-03T14:00:00Z"),
		Content: Ptr("Met at the **conference**."),
		Attachments: []Attachment{
			{ID: 71, Filename: "agenda.pdf", ContentType: "application/pdf", Size: 76542},
			{ID: 72, Filename: "photo.jpg", ContentType: "image/jpeg", Size: 12345, Token: "u1/e0/abc/photo.jpg"},
		},
		Creator:      &UserRef{ID: 6, Username: "jdoe", Name: "Jane Doe", PictureURL: "https://example.com/jdoe.png"},
		ActivityType: &NamedRef{ID: -2, Name: "Meeting"},
		Party:        &Party{ID: 12, Type: "organisation", Name: "Analytical Engines Ltd"},
		CreatedAt:    ts(t, "2026-02-04T09:00:00Z"),
		UpdatedAt:    ts(t, "2026-02-04T09:05:00Z"),
	}
}

func wantEntryList(t *testing.T) []*Entry {
	ada := Party{ID: 11, Type: "person", FirstName: Ptr("Ada"), LastName: Ptr("Lovelace")}
	return []*Entry{
		{
			ID: 901, Type: EntryEmail, EntryAt: ts(t, "2026-02-05T08:30:00Z"),
			Subject: Ptr("Re: proposal"), Content: Ptr("Thanks, looks good."), Attachments: []Attachment{},
			Creator:      &UserRef{ID: 6, Username: "jdoe", Name: "Jane Doe"},
			ActivityType: &NamedRef{ID: -1, Name: "Note"},
			Opportunity:  &Opportunity{ID: 31, Name: "Big deal"},
			Parties:      []Party{ada},
			Participants: []Participant{
				{ID: 1, Address: "ada@example.com", Name: "Ada Lovelace", Role: "FROM"},
				{ID: 2, Address: "jane@example.com", Name: "Jane Doe", Role: "TO"},
				{ID: 3, Address: "boss@example.com", Name: "The Boss", Role: "CC"},
			},
			CreatedAt: ts(t, "2026-02-05T08:31:00Z"), UpdatedAt: ts(t, "2026-02-05T08:31:00Z"),
		},
		{
			ID: 902, Type: EntryTask, EntryAt: ts(t, "2026-02-04T17:00:00Z"),
			Content:      Ptr("Call back about renewal"),
			Creator:      &UserRef{ID: 6, Username: "jdoe", Name: "Jane Doe"},
			ActivityType: &NamedRef{ID: -4, Name: "Task completed"},
			Party:        &ada,
			CreatedAt:    ts(t, "2026-02-04T17:00:00Z"), UpdatedAt: ts(t, "2026-02-04T17:00:00Z"),
		},
	}
}

func TestEntriesReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /entries/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "900", r.PathValue("id"))
		testQuery(t, r, url.Values{"embed": {"party,creator,activityType"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "entries/show_note.json")))
	})
	got, _, err := c.Entries.ReadSingle(t.Context(), 900, &ReadOptions{Embed: []string{"party", "creator", "activityType"}})
	require.NoError(t, err)
	assert.Equal(t, wantNote(t), got)
}

func TestEntriesRead(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /entries", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"3"}, "perPage": {"100"}, "embed": {"party"}})
		writeJSON(t, w, http.StatusOK, string(fixture(t, "entries/list.json")))
	})
	got, _, err := c.Entries.Read(t.Context(), &ListOptions{Page: 3, PerPage: 100, Embed: []string{"party"}})
	require.NoError(t, err)
	assert.Equal(t, wantEntryList(t), got)
}

func TestEntriesReadIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /entries", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		testQuery(t, r, url.Values{"page": {fmt.Sprint(n)}, "perPage": {"100"}})
		if n == 1 {
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/entries?page=2>; rel="next"`)
		}
		writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{"entries":[{"id":%d,"type":"note"}]}`, n))
	})
	got, err := Collect(c.Entries.ReadIter(t.Context(), nil))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int32(2), calls.Load())
}

func TestEntriesForRecord(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var seen []string
	for _, entity := range []string{"parties", "opportunities", "kases"} {
		mux.HandleFunc("GET /"+entity+"/{id}/entries", func(w http.ResponseWriter, r *http.Request) {
			seen = append(seen, entity+"/"+r.PathValue("id"))
			testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"50"}, "embed": {"creator"}})
			writeJSON(t, w, http.StatusOK, string(fixture(t, "entries/list.json")))
		})
	}
	ctx := t.Context()
	opts := &ListOptions{Page: 2, PerPage: 50, Embed: []string{"creator"}}
	for _, read := range []func() ([]*Entry, *Response, error){
		func() ([]*Entry, *Response, error) { return c.Entries.ForParty(ctx, 11, opts) },
		func() ([]*Entry, *Response, error) { return c.Entries.ForOpportunity(ctx, 31, opts) },
		func() ([]*Entry, *Response, error) { return c.Entries.ForKase(ctx, 41, opts) },
	} {
		got, _, err := read()
		require.NoError(t, err)
		assert.Equal(t, wantEntryList(t), got)
	}
	assert.Equal(t, []string{"parties/11", "opportunities/31", "kases/41"}, seen)
}

// A record's entries are served 50 per page at most, so the iterators ask
// for 50 unless told otherwise.
func TestEntriesForRecordIter(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	handler := func(perPage string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			page := r.URL.Query().Get("page")
			testQuery(t, r, url.Values{"page": {page}, "perPage": {perPage}})
			if page == "1" {
				w.Header().Set("Link", fmt.Sprintf(`<https://api.capsulecrm.com/api/v2%s?page=2>; rel="next"`, r.URL.Path))
			}
			writeJSON(t, w, http.StatusOK, `{"entries":[{"id":1,"type":"note"}]}`)
		}
	}
	mux.HandleFunc("GET /parties/11/entries", handler("50"))
	mux.HandleFunc("GET /opportunities/31/entries", handler("50"))
	mux.HandleFunc("GET /kases/41/entries", handler("20"))
	ctx := t.Context()

	got, err := Collect(c.Entries.ForPartyIter(ctx, 11, nil))
	require.NoError(t, err)
	assert.Len(t, got, 2)
	got, err = Collect(c.Entries.ForOpportunityIter(ctx, 31, &ListOptions{}))
	require.NoError(t, err)
	assert.Len(t, got, 2)
	got, err = Collect(c.Entries.ForKaseIter(ctx, 41, &ListOptions{PerPage: 20}))
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.Equal(t, int32(6), calls.Load())
}

func TestEntriesCreate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /entries", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"entry":{"type":"note","content":"Met at the **conference**.","party":{"id":12},
			"activityType":{"id":-2},"entryAt":"2026-02-03T14:00:00Z","attachments":[{"token":"u1/e0/abc/photo.jpg"}]}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/entries/900")
		writeJSON(t, w, http.StatusCreated, string(fixture(t, "entries/show_note.json")))
	})
	in := &EntryInput{
		Content:      Set("Met at the **conference**."),
		Party:        RefTo(12),
		ActivityType: Set(Ref{ID: -2}),
		EntryAt:      Set(time.Date(2026, time.February, 3, 15, 0, 0, 5e8, time.FixedZone("CET", 3600))),
		Attachments:  []AttachmentChange{AttachUpload("u1/e0/abc/photo.jpg")},
	}
	got, resp, err := c.Entries.Create(t.Context(), in)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, wantNote(t), got)
	assert.True(t, in.Type.IsZero(), "Create must not change the caller's input")

	// An explicit "note" is accepted too.
	_, _, err = c.Entries.Create(t.Context(), &EntryInput{
		Type: Set(EntryNote), Content: Set("Met at the **conference**."), Party: RefTo(12),
		ActivityType: Set(Ref{ID: -2}), EntryAt: Set(ts(t, "2026-02-03T14:00:00Z")),
		Attachments: []AttachmentChange{AttachUpload("u1/e0/abc/photo.jpg")},
	})
	require.NoError(t, err)
}

func TestEntriesUpdate(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /entries/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "900", r.PathValue("id"))
		testJSONBody(t, r, `{"entry":{"content":"Edited","subject":null,"attachments":[{"token":"u1/new"},{"id":71,"_delete":true}]}}`)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "entries/show_note.json")))
	})
	got, _, err := c.Entries.Update(t.Context(), 900, &EntryInput{
		Content:     Set("Edited"),
		Subject:     Null[string](),
		Attachments: []AttachmentChange{AttachUpload("u1/new"), RemoveAttachment(71)},
	})
	require.NoError(t, err)
	assert.Equal(t, wantNote(t), got)
}

func TestEntriesErrors(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /entries/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity,
			`{"message":"Validation Failed","errors":[{"message":"content is required","resource":"entry","field":"content"}]}`)
	})
	mux.HandleFunc("GET /parties/{id}/entries", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	_, _, err := c.Entries.Update(t.Context(), 900, &EntryInput{Content: Set("")})
	require.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Message: "content is required", Resource: "entry", Field: "content"}}, apiErr.Errors)
	_, _, err = c.Entries.ForParty(t.Context(), 5, nil)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = Collect(c.Entries.ForPartyIter(t.Context(), 5, nil))
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestEntriesInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	ctx := t.Context()
	create := func(in *EntryInput) func() error {
		return func() error { _, _, err := c.Entries.Create(ctx, in); return err }
	}
	update := func(in *EntryInput) func() error {
		return func() error { _, _, err := c.Entries.Update(ctx, 1, in); return err }
	}
	cases := map[string]func() error{
		"create nil":           create(nil),
		"create email":         create(&EntryInput{Type: Set(EntryEmail), Content: Set("x"), Party: RefTo(1)}),
		"create task":          create(&EntryInput{Type: Set(EntryTask), Content: Set("x"), Party: RefTo(1)}),
		"create null type":     create(&EntryInput{Type: Null[EntryType](), Content: Set("x"), Party: RefTo(1)}),
		"create no parent":     create(&EntryInput{Content: Set("x")}),
		"create null parent":   create(&EntryInput{Content: Set("x"), Kase: Null[Ref]()}),
		"create two parents":   create(&EntryInput{Content: Set("x"), Party: RefTo(1), Opportunity: RefTo(2)}),
		"create parent zero":   create(&EntryInput{Content: Set("x"), Kase: RefTo(0)}),
		"attachment both":      create(&EntryInput{Content: Set("x"), Party: RefTo(1), Attachments: []AttachmentChange{{ID: 3, Token: "t", Delete: true}}}),
		"attachment empty":     update(&EntryInput{Attachments: []AttachmentChange{{}}}),
		"attachment id only":   update(&EntryInput{Attachments: []AttachmentChange{{ID: 3}}}),
		"attachment remove 0":  update(&EntryInput{Attachments: []AttachmentChange{RemoveAttachment(0)}}),
		"update type":          update(&EntryInput{Type: Set(EntryNote)}),
		"update two parents":   update(&EntryInput{Party: RefTo(1), Kase: RefTo(2)}),
		"update nil":           update(nil),
		"update id zero":       func() error { _, _, err := c.Entries.Update(ctx, 0, &EntryInput{Content: Set("x")}); return err },
		"read single id zero":  func() error { _, _, err := c.Entries.ReadSingle(ctx, 0, nil); return err },
		"delete id zero":       func() error { _, err := c.Entries.Delete(ctx, 0); return err },
		"for party zero":       func() error { _, _, err := c.Entries.ForParty(ctx, 0, nil); return err },
		"for opportunity zero": func() error { _, _, err := c.Entries.ForOpportunity(ctx, 0, nil); return err },
		"for kase negative":    func() error { _, _, err := c.Entries.ForKase(ctx, -1, nil); return err },
		"for party iter":       func() error { _, err := Collect(c.Entries.ForPartyIter(ctx, 0, nil)); return err },
		"for opp iter":         func() error { _, err := Collect(c.Entries.ForOpportunityIter(ctx, 0, nil)); return err },
		"for kase iter":        func() error { _, err := Collect(c.Entries.ForKaseIter(ctx, 0, nil)); return err },
	}
	for name, call := range cases {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
	assert.Zero(t, n.Load())
}

func TestEntryInputMarshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, EntryInput{}, `{}`)
	testJSONMarshal(t, EntryInput{Content: Set(""), Subject: Null[string](), EntryAt: Null[time.Time](), ActivityType: Null[Ref](), Attachments: []AttachmentChange{}},
		`{"content":"","subject":null,"entryAt":null,"activityType":null}`)
	testJSONMarshal(t, EntryInput{
		Type: Set(EntryNote), Kase: RefTo(41),
		EntryAt: Set(time.Date(2026, time.July, 1, 23, 30, 0, 123456789, time.FixedZone("PDT", -7*3600))),
	}, `{"type":"note","kase":{"id":41},"entryAt":"2026-07-02T06:30:00Z"}`)
	testJSONMarshal(t, AttachUpload("tok"), `{"token":"tok"}`)
	testJSONMarshal(t, RemoveAttachment(5), `{"id":5,"_delete":true}`)
}

func TestAttachmentDecode(t *testing.T) {
	t.Parallel()
	var a Attachment
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"filename":"a.txt","contentType":"text/plain","size":"42"}`), &a))
	assert.Equal(t, Attachment{ID: 1, Filename: "a.txt", ContentType: "text/plain", Size: 42}, a)
	require.NoError(t, json.Unmarshal([]byte(`{"id":2,"size":7}`), &a))
	assert.Equal(t, int64(7), a.Size)
	var bare Attachment
	require.NoError(t, json.Unmarshal([]byte(`{"id":3}`), &bare))
	assert.Equal(t, Attachment{ID: 3}, bare)
	assert.Error(t, json.Unmarshal([]byte(`{"id":4,"size":"big"}`), &a))
	assert.Error(t, json.Unmarshal([]byte(`{"id":4,"size":1.5}`), &a))
}

func TestAttachmentsUpload(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	content := []byte("%PDF-1.4 not really a pdf\x00\x01")
	mux.HandleFunc("POST /attachments/upload", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testQuery(t, r, nil)
		testHeader(t, r, "Content-Type", "application/pdf")
		testHeader(t, r, "X-Attachment-Filename", "Q3%20report%20%26%20plan%2Bnotes.pdf")
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		assert.Equal(t, int64(len(content)), r.ContentLength)
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		assert.Equal(t, content, b)
		writeJSON(t, w, http.StatusOK, `{"upload":{"token":"u1/e0/5d1c/Q3 report.pdf"}}`)
	})
	token, resp, err := c.Attachments.Upload(t.Context(), "Q3 report & plan+notes.pdf", "application/pdf", bytes.NewReader(content))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "u1/e0/5d1c/Q3 report.pdf", token)
}

func TestAttachmentsUploadDefaultsContentType(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /attachments/upload", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Content-Type", "application/octet-stream")
		testHeader(t, r, "X-Attachment-Filename", "data.bin")
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		assert.Equal(t, "streamed", string(b))
		writeJSON(t, w, http.StatusOK, `{"upload":{"token":"t"}}`)
	})
	// A reader of unknown length is streamed.
	token, _, err := c.Attachments.Upload(t.Context(), "data.bin", "", io.MultiReader(strings.NewReader("stream"), strings.NewReader("ed")))
	require.NoError(t, err)
	assert.Equal(t, "t", token)
}

// An upload is a POST that may have reached Capsule: a 503 is returned,
// never retried.
func TestAttachmentsUploadIsNotRetried(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusServiceUnavailable, `{"message":"Service Unavailable"}`)
	})
	mux.HandleFunc("POST /attachments/upload", h)
	_, _, err := c.Attachments.Upload(t.Context(), "a.txt", "text/plain", strings.NewReader("hello"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	assert.Equal(t, int32(1), n.Load())
}

func TestAttachmentsUploadErrors(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /attachments/upload", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnprocessableEntity, `{"message":"Validation Failed","errors":[{"message":"file is empty","resource":"upload","field":"file"}]}`)
	})
	_, _, err := c.Attachments.Upload(t.Context(), "a.txt", "text/plain", strings.NewReader(""))
	assert.ErrorIs(t, err, ErrValidation)
}

func TestAttachmentsDownload(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	content := []byte{0x25, 0x50, 0x44, 0x46, 0x00, 0xff}
	mux.HandleFunc("GET /attachments/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "71" {
			writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
			return
		}
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, nil)
		testHeader(t, r, "Accept", "application/octet-stream")
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename*=UTF-8''agenda.pdf; filename="agenda.pdf"`)
		_, err := w.Write(content)
		assert.NoError(t, err)
	})
	var buf bytes.Buffer
	resp, err := c.Attachments.Download(t.Context(), 71, &buf)
	require.NoError(t, err)
	assert.Equal(t, content, buf.Bytes())
	assert.Equal(t, `inline; filename*=UTF-8''agenda.pdf; filename="agenda.pdf"`, resp.Header.Get("Content-Disposition"))

	buf.Reset()
	_, err = c.Attachments.Download(t.Context(), 72, &buf)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Zero(t, buf.Len(), "an error body is not written to w")
}

// sizedReader reports a length without holding the bytes.
type sizedReader struct{ n int }

func (s sizedReader) Read([]byte) (int, error) { return 0, io.EOF }
func (s sizedReader) Len() int                 { return s.n }

func TestAttachmentsInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	ctx := t.Context()
	upload := func(name string, r io.Reader) func() error {
		return func() error { _, _, err := c.Attachments.Upload(ctx, name, "text/plain", r); return err }
	}
	cases := map[string]func() error{
		"empty filename":    upload("", strings.NewReader("x")),
		"blank filename":    upload("  ", strings.NewReader("x")),
		"nil reader":        upload("a.txt", nil),
		"too large":         upload("big.bin", sizedReader{n: MaxAttachmentSize + 1}),
		"download id zero":  func() error { _, err := c.Attachments.Download(ctx, 0, io.Discard); return err },
		"download nil dest": func() error { _, err := c.Attachments.Download(ctx, 1, nil); return err },
	}
	for name, call := range cases {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
	assert.Zero(t, n.Load())
}
