package capsule

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Entry is an item of a record's history: a note, an email, or the entry
// Capsule writes when a party's task is completed.
type Entry struct {
	ID   int64     `json:"id"`
	Type EntryType `json:"type"`
	// EntryAt is the entry's position on the timeline; it may differ from
	// CreatedAt (entries can be backdated).
	EntryAt time.Time `json:"entryAt"`
	// Subject is set on emails.
	Subject *string `json:"subject"`
	// Content is the body (Markdown in the web app).
	Content     *string      `json:"content"`
	Attachments []Attachment `json:"attachments"`
	// Creator is the user who wrote the entry (for the API: the token's
	// owner).
	Creator *UserRef `json:"creator"`
	// ActivityType is {id, name}: -1 Note by default, -4 "Task completed"
	// for completed-task entries.
	ActivityType *NamedRef `json:"activityType"`
	// The record the entry belongs to: one of Party, Opportunity and Kase.
	Party       *Party       `json:"party"`
	Opportunity *Opportunity `json:"opportunity"`
	Kase        *Kase        `json:"kase"`
	// Parties and Participants are set on emails.
	Parties      []Party       `json:"parties"`
	Participants []Participant `json:"participants"`
	CreatedAt    time.Time     `json:"createdAt,omitzero"`
	UpdatedAt    time.Time     `json:"updatedAt,omitzero"`
}

// EntryType is the kind of an entry.
type EntryType string

// Kinds of entries. Only notes can be created through the API.
const (
	EntryNote  EntryType = "note"
	EntryEmail EntryType = "email"
	EntryTask  EntryType = "task"
)

// Participant is a sender or recipient of an email entry.
type Participant struct {
	ID      int64  `json:"id"`
	Address string `json:"address"`
	Name    string `json:"name"`
	// Role is "TO", "CC" or "FROM".
	Role string `json:"role"`
}

// Attachment is a file attached to an entry. Download its bytes with
// AttachmentsService.Download.
type Attachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	// Size in bytes.
	Size int64 `json:"size" spec:"or-string"`
	// Token is the upload token, when Capsule returns it.
	Token string `json:"token,omitempty"`
}

// UnmarshalJSON decodes an attachment, accepting its size as a number or
// a string of digits.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	type plain Attachment
	aux := struct {
		*plain
		Size json.Number `json:"size"`
	}{plain: (*plain)(a)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	a.Size = 0
	if aux.Size != "" {
		n, err := strconv.ParseInt(string(aux.Size), 10, 64)
		if err != nil {
			return fmt.Errorf("capsule: attachment size %q: %w", aux.Size, err)
		}
		a.Size = n
	}
	return nil
}

// EntryInput is the body of a note creation or of a note or email update.
// Unset fields are not sent. A new note belongs to exactly one of Party,
// Opportunity and Kase.
type EntryInput struct {
	// Type may be left unset: Create sends "note", the only type the API
	// can create, and the type of an entry cannot be changed.
	Type    Optional[EntryType] `json:"type,omitzero"`
	Content Optional[string]    `json:"content,omitzero"`
	Subject Optional[string]    `json:"subject,omitzero"`
	// EntryAt backdates the entry; it is sent in UTC to the second.
	EntryAt Optional[time.Time] `json:"entryAt,omitzero"`
	// ActivityType refers to an activity type by id (-1 Note, -2 Meeting,
	// -3 Call, or one of the account's).
	ActivityType Optional[Ref] `json:"activityType,omitzero"`
	Party        Optional[Ref] `json:"party,omitzero"`
	Opportunity  Optional[Ref] `json:"opportunity,omitzero"`
	Kase         Optional[Ref] `json:"kase,omitzero"`
	// Attachments adds uploads (AttachUpload) or removes attachments
	// (RemoveAttachment).
	Attachments []AttachmentChange `json:"attachments,omitempty"`
}

// MarshalJSON encodes the input with EntryAt in UTC to the second, the
// timestamp form Capsule uses.
func (in EntryInput) MarshalJSON() ([]byte, error) {
	type plain EntryInput
	p := plain(in)
	p.EntryAt = utcSecond(p.EntryAt)
	return json.Marshal(p)
}

// AttachmentChange adds an uploaded file to an entry (Token) or removes an
// attachment (ID and Delete).
type AttachmentChange struct {
	ID     int64  `json:"id,omitempty"`
	Token  string `json:"token,omitempty"`
	Delete bool   `json:"_delete,omitempty"`
}

// AttachUpload attaches the file uploaded with AttachmentsService.Upload
// that returned token.
func AttachUpload(token string) AttachmentChange { return AttachmentChange{Token: token} }

// RemoveAttachment removes the attachment with the given id from an entry.
func RemoveAttachment(id int64) AttachmentChange { return AttachmentChange{ID: id, Delete: true} }

func (in *EntryInput) validate() error {
	if in == nil {
		return invalidArg("in", "entry input is nil")
	}
	if err := oneParent("in", in.Party, in.Opportunity, in.Kase); err != nil {
		return err
	}
	for i, a := range in.Attachments {
		arg := fmt.Sprintf("in.Attachments[%d]", i)
		switch {
		case a.Token != "" && (a.ID != 0 || a.Delete):
			return invalidArg(arg, "an attachment is either added by token or removed by id")
		case a.Token == "" && (a.ID <= 0 || !a.Delete):
			return invalidArg(arg, "use AttachUpload(token) or RemoveAttachment(id)")
		}
	}
	return nil
}

func (s *EntriesService) ep() endpoint[Entry] {
	return newEndpoint[Entry](s.client, "entries", "entry", "entries")
}

// Read returns one page of the account's entries, newest first.
// Embeddable: party, kase, opportunity, creator, activityType.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /entries
func (s *EntriesService) Read(ctx context.Context, opts *ListOptions) ([]*Entry, *Response, error) {
	return s.ep().list(ctx, "", opts)
}

// ReadIter returns every entry of the account, newest first, page after
// page, lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /entries
func (s *EntriesService) ReadIter(ctx context.Context, opts *ListOptions) iter.Seq2[*Entry, error] {
	return s.ep().listIter(ctx, "", opts)
}

// entityEntriesPerPage is the largest perPage of a record's entries (the
// current docs allow 1-50 there, not 1-100).
const entityEntriesPerPage = 50

// forRecord lists the entries of a record: entity is "parties",
// "opportunities" or "kases".
func (s *EntriesService) forRecord(ctx context.Context, entity string, id int64, opts *ListOptions) ([]*Entry, *Response, error) {
	if id <= 0 {
		return nil, nil, invalidArg("id", "id must be positive, got %d", id)
	}
	return s.ep().list(ctx, fmt.Sprintf("%s/%d/entries", entity, id), opts)
}

func (s *EntriesService) forRecordIter(ctx context.Context, entity string, id int64, opts *ListOptions) iter.Seq2[*Entry, error] {
	lo := ListOptions{PerPage: entityEntriesPerPage}
	if opts != nil {
		lo = *opts
		if lo.PerPage <= 0 {
			lo.PerPage = entityEntriesPerPage
		}
	}
	return iterate(ctx, &lo, func(ctx context.Context, page *ListOptions) ([]*Entry, *Response, error) {
		return s.forRecord(ctx, entity, id, page)
	})
}

// ForParty returns one page of a party's entries (perPage at most 50).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /parties/{partyId}/entries
func (s *EntriesService) ForParty(ctx context.Context, partyID int64, opts *ListOptions) ([]*Entry, *Response, error) {
	return s.forRecord(ctx, "parties", partyID, opts)
}

// ForPartyIter returns every entry of a party, 50 per request unless
// opts.PerPage says otherwise, lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /parties/{partyId}/entries
func (s *EntriesService) ForPartyIter(ctx context.Context, partyID int64, opts *ListOptions) iter.Seq2[*Entry, error] {
	return s.forRecordIter(ctx, "parties", partyID, opts)
}

// ForOpportunity returns one page of an opportunity's entries (perPage at
// most 50).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /opportunities/{opportunityId}/entries
func (s *EntriesService) ForOpportunity(ctx context.Context, opportunityID int64, opts *ListOptions) ([]*Entry, *Response, error) {
	return s.forRecord(ctx, "opportunities", opportunityID, opts)
}

// ForOpportunityIter returns every entry of an opportunity, 50 per request
// unless opts.PerPage says otherwise, lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /opportunities/{opportunityId}/entries
func (s *EntriesService) ForOpportunityIter(ctx context.Context, opportunityID int64, opts *ListOptions) iter.Seq2[*Entry, error] {
	return s.forRecordIter(ctx, "opportunities", opportunityID, opts)
}

// ForKase returns one page of a kase's entries (perPage at most 50).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /kases/{kaseId}/entries
func (s *EntriesService) ForKase(ctx context.Context, kaseID int64, opts *ListOptions) ([]*Entry, *Response, error) {
	return s.forRecord(ctx, "kases", kaseID, opts)
}

// ForKaseIter returns every entry of a kase, 50 per request unless
// opts.PerPage says otherwise, lazily.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /kases/{kaseId}/entries
func (s *EntriesService) ForKaseIter(ctx context.Context, kaseID int64, opts *ListOptions) iter.Seq2[*Entry, error] {
	return s.forRecordIter(ctx, "kases", kaseID, opts)
}

// ReadSingle returns the entry with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /entries/{entryId}
func (s *EntriesService) ReadSingle(ctx context.Context, id int64, opts *ReadOptions) (*Entry, *Response, error) {
	return s.ep().get(ctx, id, opts)
}

// Create creates a note on exactly one of in.Party, in.Opportunity and
// in.Kase. Notes are the only entries the API can create: any other
// in.Type fails before the request.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// POST /entries
func (s *EntriesService) Create(ctx context.Context, in *EntryInput) (*Entry, *Response, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	if t, ok := in.Type.Get(); in.Type.IsNull() || (ok && t != EntryNote) {
		return nil, nil, invalidArg("in.Type", "only notes can be created, not %s", in.Type)
	}
	if !in.Party.IsSet() && !in.Opportunity.IsSet() && !in.Kase.IsSet() {
		return nil, nil, invalidArg("in", "a note belongs to one of Party, Opportunity and Kase")
	}
	note := *in
	note.Type = Set(EntryNote)
	return s.ep().create(ctx, &note, nil)
}

// Update changes a note or an email (other entries cannot be changed). An
// entry left with neither content nor attachments is rejected by Capsule:
// delete it instead.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// PUT /entries/{entryId}
func (s *EntriesService) Update(ctx context.Context, id int64, in *EntryInput) (*Entry, *Response, error) {
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	if !in.Type.IsZero() {
		return nil, nil, invalidArg("in.Type", "the type of an entry cannot be changed")
	}
	return s.ep().update(ctx, id, in, nil)
}

// Delete deletes an entry and its attachments. Capsule may do it later:
// then the response is 202 and resp.JobID() names the job.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// DELETE /entries/{entryId}
func (s *EntriesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.ep().delete(ctx, id)
}

// MaxAttachmentSize is the largest file Capsule accepts as an attachment
// (25 MB).
const MaxAttachmentSize = 25 << 20

// Upload sends a file to Capsule and returns the token to attach it to a
// note with AttachUpload in EntryInput.Attachments. The body is r's raw
// bytes; contentType is the file's MIME type (application/octet-stream when
// empty). A reader with a Len method (bytes.Reader, strings.Reader,
// bytes.Buffer) over MaxAttachmentSize fails before the request. Like any
// POST, an upload that may have reached Capsule is not retried; it is
// retried after a 429 (and when the connection could not be made) only if
// r is an io.Seeker, rewound to where it started. Otherwise a failed upload
// must be sent again by the caller.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// POST /attachments/upload
func (s *AttachmentsService) Upload(ctx context.Context, filename, contentType string, r io.Reader) (string, *Response, error) {
	if strings.TrimSpace(filename) == "" {
		return "", nil, invalidArg("filename", "filename is required")
	}
	if r == nil {
		return "", nil, invalidArg("r", "reader is nil")
	}
	if l, ok := r.(interface{ Len() int }); ok && l.Len() > MaxAttachmentSize {
		return "", nil, invalidArg("r", "file is %d bytes, more than Capsule's limit of %d", l.Len(), MaxAttachmentSize)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	if strings.ContainsFunc(contentType, unicode.IsControl) {
		return "", nil, invalidArg("contentType", "must be one line without control characters, got %q", contentType)
	}
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("X-Attachment-Filename", strings.ReplaceAll(url.QueryEscape(filename), "+", "%20"))
	var up struct {
		Token string `json:"token"`
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodPost, path: "attachments/upload", raw: r, header: h, outKey: "upload"}, &up)
	if err != nil {
		return "", resp, err
	}
	return up.Token, resp, nil
}

// Download writes the bytes of the attachment with the given id to w. The
// file name is in resp.Header's Content-Disposition.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Entry
// GET /attachments/{attachmentId}
func (s *AttachmentsService) Download(ctx context.Context, id int64, w io.Writer) (*Response, error) {
	if id <= 0 {
		return nil, invalidArg("id", "id must be positive, got %d", id)
	}
	if w == nil {
		return nil, invalidArg("w", "writer is nil")
	}
	h := http.Header{}
	h.Set("Accept", "application/octet-stream")
	return s.client.call(ctx, &request{method: http.MethodGet, path: fmt.Sprintf("attachments/%d", id), header: h}, w)
}
