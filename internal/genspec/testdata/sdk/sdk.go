// Package sdk is a miniature of the SDK's shape for genspec's tests.
package sdk

import (
	"context"
	"encoding/json"
	"io"
	"iter"
	"time"
)

type Response struct{}

type Optional[T any] struct{ v T }

type Date struct{ Year, Month, Day int }

type endpoint[T any] struct{}

func newEndpoint[T any](c any, path, one, many string) endpoint[T] { return endpoint[T]{} }

var _ = newEndpoint[Widget](nil, "widgets", "widget", "widgets")

// WidgetsService calls the widget endpoints. It has more sentences.
type WidgetsService struct{}

// Base holds what every widget has.
type Base struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// Widget is a widget.
type Widget struct {
	Base
	Name    string          `json:"name" spec:"nullable"`
	Size    int64           `json:"size" spec:"or-string"`
	Note    *string         `json:"note,omitempty"`
	Owner   *Widget         `json:"owner"`
	DueOn   Date            `json:"dueOn"`
	Tags    []string        `json:"tags"`
	Extra   json.RawMessage `json:"extra"`
	Ratio   float64         `json:"ratio"`
	secret  string
	Skipped string `json:"-"`
}

// WidgetInput is the body of Create.
type WidgetInput struct {
	Name Optional[string] `json:"name,omitzero"`
}

// PageOptions pages.
type PageOptions struct {
	Page  int       `url:"page,omitempty"`
	Since time.Time `url:"-"`
}

// WidgetListOptions filters widgets.
type WidgetListOptions struct {
	PageOptions
	Embed []string `url:"embed,comma,omitempty"`
	Local string   `url:"-"`
}

// Read returns one page of widgets. More text.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets
func (s *WidgetsService) Read(ctx context.Context, opts *WidgetListOptions) ([]*Widget, *Response, error) {
	return nil, nil, nil
}

// ReadIter iterates over every widget.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets
func (s *WidgetsService) ReadIter(ctx context.Context, opts *WidgetListOptions) iter.Seq2[*Widget, error] {
	return nil
}

// Search finds widgets.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets/search
func (s *WidgetsService) Search(ctx context.Context, q string) ([]*Widget, *Response, error) {
	return nil, nil, nil
}

// ReadSingle returns a widget.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets/{widgetId}
func (s *WidgetsService) ReadSingle(ctx context.Context, id int64) (*Widget, *Response, error) {
	return nil, nil, nil
}

// ReadMultiple returns widgets.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets/{widgetIds}
func (s *WidgetsService) ReadMultiple(ctx context.Context, ids []int64) ([]*Widget, *Response, error) {
	return nil, nil, nil
}

// Create adds a widget.
//
// Capsule API docs: https://example.com/docs/Widget
// POST /widgets
func (s *WidgetsService) Create(ctx context.Context, in *WidgetInput) (*Widget, *Response, error) {
	return nil, nil, nil
}

// Delete removes a widget.
//
// Capsule API docs: https://example.com/docs/Widget
// DELETE /widgets/{widgetId}
func (s *WidgetsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return nil, nil
}

// Sync reads then deletes.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets (then DELETE /widgets/{widgetId})
func (s *WidgetsService) Sync(ctx context.Context) error { return nil }

// Hidden is served but not documented.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets/hidden (undocumented; seen on the live API)
func (s *WidgetsService) Hidden(ctx context.Context) (*Response, error) { return nil, nil }

func (s *WidgetsService) unexported() {}

// FieldError is one field at fault in a 422 answer.
type FieldError struct {
	Message string `json:"message"`
}

// AttachmentsService moves files.
type AttachmentsService struct{}

// Upload sends a file and returns its token.
//
// Capsule API docs: https://example.com/docs/Attachment
// POST /attachments/upload
func (s *AttachmentsService) Upload(ctx context.Context, r io.Reader) (string, *Response, error) {
	return "", nil, nil
}

// Download writes a file to w.
//
// Capsule API docs: https://example.com/docs/Attachment
// GET /attachments/{attachmentId}
func (s *AttachmentsService) Download(ctx context.Context, id int64, w io.Writer) (*Response, error) {
	return nil, nil
}

// Deleted lists deleted records.
type Deleted struct{ Records []DeletedRecord }

// DeletedRecord is one deleted record.
type DeletedRecord struct {
	ID int64 `json:"id"`
}

// RestrictedRecord is one record hidden from the caller.
type RestrictedRecord struct {
	ID int64 `json:"id"`
}

// ReadDeleted lists the widgets deleted since a time.
//
// Capsule API docs: https://example.com/docs/Widget
// GET /widgets/deleted
func (s *WidgetsService) ReadDeleted(ctx context.Context, since time.Time) (*Deleted, *Response, error) {
	return nil, nil, nil
}
