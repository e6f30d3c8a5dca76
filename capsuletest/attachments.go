package capsuletest

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Attachments (capsule-api-rest.md §4.3). POST /attachments/upload takes the
// raw file bytes (X-Attachment-Filename, Content-Type) and answers a token;
// an entry created or updated with attachments:[{"token":...}] claims the
// upload, which then has an id and can be downloaded with GET /attachments/{id}.
// Bytes are kept in memory.

// maxAttachmentBytes is Capsule's size limit per file (T: 25 MB).
const maxAttachmentBytes = 25 << 20

func init() {
	registerResource(func(f *fake) {
		f.newCollection("attachments", "attachment", "attachment", 81001).stamped = false
		f.handle("POST", "/attachments/upload", uploadAttachment, maxBody(maxAttachmentBytes))
		f.handle("GET", "/attachments/{id}", downloadAttachment)
	})
}

// uploadAttachment stores the body and answers 200 {"upload":{"token":...}}.
// A missing X-Attachment-Filename or an empty body answers 400 (UNCONFIRMED).
func uploadAttachment(c *call) *reply {
	raw := strings.TrimSpace(c.r.Header.Get("X-Attachment-Filename"))
	name, err := url.PathUnescape(raw)
	if err != nil {
		name = raw
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return errReply(http.StatusBadRequest, "X-Attachment-Filename header is required")
	}
	if len(c.body) == 0 {
		return errReply(http.StatusBadRequest, "request body must hold the file's bytes")
	}
	ctype := c.r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ctype); err != nil || mt == "" {
		ctype = "application/octet-stream"
	}
	b := randomHex(16)
	token := fmt.Sprintf("u1/e0/%s-%s-%s-%s-%s/%s", b[:8], b[8:12], b[12:16], b[16:20], b[20:], url.PathEscape(name))
	c.f.coll("attachments").insert(record{
		"filename": name, "contentType": ctype, "size": int64(len(c.body)),
		"_token": token, "_data": c.body, "_entry": nil,
	}, c.now)
	return ok("upload", record{"token": token})
}

// downloadAttachment answers the bytes of an attachment that belongs to an
// entry, with its Content-Type and Content-Disposition.
func downloadAttachment(c *call) *reply {
	rec, rep := c.lookup(c.f.coll("attachments"), "id")
	if rep != nil {
		return rep
	}
	if rec["_entry"] == nil { // an upload nobody claimed has no id in Capsule
		return notFound()
	}
	name := rec["filename"].(string)
	data := rec["_data"].([]byte)
	h := http.Header{}
	h.Set("Content-Type", rec["contentType"].(string))
	h.Set("Content-Disposition", fmt.Sprintf(`inline; filename*=UTF-8''%s; filename="%s"`,
		url.PathEscape(name), asciiFilename(name)))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	return &reply{status: http.StatusOK, header: h, body: data}
}

// asciiFilename is name with non-ASCII characters, quotes and backslashes
// replaced, for the plain filename= parameter.
func asciiFilename(name string) string {
	var sb strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			sb.WriteByte('_')
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// attachmentByToken finds an upload by its token.
func (f *fake) attachmentByToken(token string) (record, bool) {
	for _, a := range f.coll("attachments").all() {
		if a["_token"] == token {
			return a, true
		}
	}
	return nil, false
}

// attachmentJSON is the attachment model {id, filename, contentType, size}
// (the token is write-only in practice).
func attachmentJSON(a record) record {
	return record{"id": a["id"], "filename": a["filename"], "contentType": a["contentType"], "size": a["size"]}
}
