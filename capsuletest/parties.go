package capsuletest

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Parties: people and organisations (capsule-api-core.md §2).

var partyEntity = &entity{
	coll: "parties", singular: "party", path: "/parties",
	tags: "partyTags", fields: "partyFields",
	deleteAsync: true, deleteAction: "Deleting Party",
}

func init() {
	e := partyEntity
	e.render = renderParty
	e.save = saveParty
	e.defaults = func(c *call) record {
		return record{"about": nil, "lastContactedAt": nil, "enrichment": nil,
			"phoneNumbers": []any{}, "addresses": []any{}, "emailAddresses": []any{}, "websites": []any{}}
	}
	e.searchText = partySearchText
	e.filterFields = partyFilterFields
	entities[e.coll] = e
	registerResource(func(f *fake) {
		f.newCollection("parties", "party", "party", 254633001).pack = packContacts
		e.registerRoutes(f)
		f.handle("GET", "/parties/{id}/people", e.childList("parties", func(pid int64, r record) bool {
			return r["type"] == "person" && refOf(r, "organisation") == pid
		}))
	})
	registerOnDelete("parties", func(f *fake, id int64, now time.Time) {
		for _, p := range f.coll("parties").all() {
			if refOf(p, "organisation") == id {
				p["organisation"] = nil
				f.coll("parties").touch(p, now)
			}
		}
	})
	registerInUse("personTitles", func(f *fake, id int64) string {
		t, _ := f.coll("personTitles").get(id)
		for _, p := range f.coll("parties").all() {
			if p["title"] != nil && strings.EqualFold(str(p["title"]), str(t["title"])) {
				return "title is in use by a party"
			}
		}
		return ""
	})
}

var partySchema = schema{resource: "party", fields: map[string]fieldSpec{
	"firstName": {kind: kString, nullable: true},
	"lastName":  {kind: kString, nullable: true},
	"jobTitle":  {kind: kString, nullable: true},
	"title":     {kind: kString, nullable: true},
	"name":      {kind: kString, nullable: true},
	"about":     {kind: kString, nullable: true},
}}

var (
	phoneTypes   = []string{"Home", "Work", "Mobile", "Fax", "Direct"}
	emailTypes   = []string{"Home", "Work"}
	addressTypes = []string{"Home", "Postal", "Office", "Billing", "Shipping"}
	webServices  = []string{"URL", "SKYPE", "TWITTER", "LINKED_IN", "FACEBOOK", "XING", "FEED", "GOOGLE_PLUS", "FLICKR", "GITHUB", "YOUTUBE", "INSTAGRAM", "PINTEREST"}
)

// nestedValidator returns a mergeNested validator for one contact collection:
// it keeps only the allowed keys (filling absent ones with null), checks types
// and required keys, and lets fix derive or normalise values.
func nestedValidator(field string, keys, required []string, types []string, fix func(item record) []fieldError) func(item record, isNew bool) []fieldError {
	return func(item record, isNew bool) []fieldError {
		var errs []fieldError
		for k := range item {
			if k != "id" && !contains(keys, k) {
				delete(item, k)
			}
		}
		for _, k := range keys {
			v, has := item[k]
			if !has || v == nil {
				item[k] = nil
				continue
			}
			if _, isStr := v.(string); !isStr {
				errs = append(errs, fieldErr("party", field+"."+k, "is invalid"))
			}
		}
		for _, k := range required {
			if strings.TrimSpace(str(item[k])) == "" {
				errs = append(errs, fieldErr("party", field+"."+k, "is required"))
			}
		}
		if t, isStr := item["type"].(string); isStr && len(types) > 0 && !contains(types, t) {
			errs = append(errs, fieldErr("party", field+".type", "is invalid"))
		}
		if len(errs) == 0 && fix != nil {
			errs = fix(item)
		}
		return errs
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	validateEmail = nestedValidator("emailAddresses", []string{"type", "address"}, []string{"address"}, emailTypes, nil)
	validatePhone = nestedValidator("phoneNumbers", []string{"type", "number"}, []string{"number"}, phoneTypes, nil)
	validateAddr  = nestedValidator("addresses", []string{"type", "street", "city", "state", "country", "zip"}, nil, addressTypes,
		func(item record) []fieldError {
			if c, isStr := item["country"].(string); isStr && c != "" {
				name := countryName(c)
				if name == "" {
					return []fieldError{{Message: "address.country: unknown country", Resource: "party", Field: "addresses"}}
				}
				item["country"] = name
			}
			return nil
		})
	validateWeb = nestedValidator("websites", []string{"type", "service", "address", "url"}, []string{"service", "address"}, emailTypes,
		func(item record) []fieldError {
			svc := str(item["service"])
			if !contains(webServices, svc) {
				return []fieldError{fieldErr("party", "websites.service", "is invalid")}
			}
			item["url"] = websiteURL(svc, str(item["address"]))
			return nil
		})
)

// websiteURL is the generated link of a website entry.
func websiteURL(service, addr string) string {
	isURL := strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://")
	if isURL {
		return addr
	}
	user := url.PathEscape(strings.TrimPrefix(addr, "@"))
	switch service {
	case "TWITTER":
		return "https://twitter.com/" + user
	case "GITHUB":
		return "https://github.com/" + user
	case "YOUTUBE":
		return "https://www.youtube.com/user/" + user
	case "INSTAGRAM":
		return "https://www.instagram.com/" + user
	case "PINTEREST":
		return "https://www.pinterest.com/" + user
	case "LINKED_IN":
		return "https://www.linkedin.com/in/" + user
	case "FACEBOOK":
		return "https://www.facebook.com/" + user
	case "SKYPE":
		return "skype:" + addr + "?call"
	}
	return "http://" + addr
}

// pictureURL is the generated avatar of a party.
func pictureURL(rec record) string {
	var initials, kind string
	if rec["type"] == "organisation" {
		kind = "organisation"
		initials = initialsOf(str(rec["name"]))
	} else {
		kind = "person"
		initials = initialsOf(str(rec["firstName"])) + initialsOf(str(rec["lastName"]))
		if len(initials) > 2 {
			initials = initials[:2]
		}
	}
	colour, isInt := rec["_colour"].(int64)
	if !isInt {
		h := fnv.New32a()
		h.Write([]byte(itoa(rec["id"]) + str(rec["name"]) + str(rec["firstName"]) + str(rec["lastName"])))
		colour = int64(h.Sum32() % 2000000000)
	}
	return fmt.Sprintf("https://facehub.appspot.com/default/%s?text=%s&size=100&colour=%d", kind, url.QueryEscape(initials), colour)
}

func initialsOf(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return strings.ToUpper(string([]rune(s)[:1]))
}

// personName is "firstName lastName" of a person, the name of an organisation.
func partyName(p record) string {
	if p["type"] == "organisation" {
		return str(p["name"])
	}
	return strings.TrimSpace(str(p["firstName"]) + " " + str(p["lastName"]))
}

func (f *fake) orgByName(name string) record {
	for _, p := range f.coll("parties").all() {
		if p["type"] == "organisation" && strings.EqualFold(strings.TrimSpace(str(p["name"])), strings.TrimSpace(name)) {
			return p
		}
	}
	return nil
}

func saveParty(c *call, rec, in record, create bool) (func(), *reply) {
	f := c.f
	if create {
		t, given := in["type"]
		ts, _ := t.(string)
		switch {
		case !given || t == nil:
			return nil, validationFailed(fieldErr("party", "type", "is required"))
		case ts != "person" && ts != "organisation":
			return nil, validationFailed(fieldErr("party", "type", "is invalid"))
		}
		rec["type"] = ts
		if ts == "person" {
			for _, k := range []string{"firstName", "lastName", "jobTitle", "title", "organisation"} {
				rec[k] = nil
			}
		} else {
			rec["name"] = nil
		}
	}
	person := rec["type"] == "person"
	work := record{}
	if errs := partySchema.apply(work, in, false); errs != nil {
		return nil, validationFailed(errs...)
	}
	for k, v := range work {
		switch k {
		case "firstName", "lastName", "jobTitle", "title":
			if person {
				rec[k] = v
			}
		case "name":
			if !person {
				rec[k] = v
			}
		default:
			rec[k] = v
		}
	}
	var errs []fieldError
	var commits []func()
	if person {
		if strings.TrimSpace(str(rec["firstName"])) == "" && strings.TrimSpace(str(rec["lastName"])) == "" {
			errs = append(errs, fieldError{Message: "firstName or lastName is required", Resource: "party", Field: "firstName"})
		}
		if t, isStr := rec["title"].(string); isStr && t != "" && !f.titleExists(t) {
			errs = append(errs, fieldErr("party", "title", "is invalid"))
		}
		if raw, given := in["organisation"]; given {
			switch {
			case raw == nil:
				rec["organisation"] = nil
			default:
				m, isObj := raw.(map[string]any)
				id, hasID := refID(raw)
				name, _ := m["name"].(string)
				switch {
				case hasID:
					org, found := f.coll("parties").get(id)
					if !found || org["type"] != "organisation" {
						return nil, errReply(http.StatusNotFound, "organisation not found")
					}
					rec["organisation"] = ref(id)
				case isObj && strings.TrimSpace(name) != "":
					if org := f.orgByName(name); org != nil {
						rec["organisation"] = ref(org["id"].(int64))
					} else {
						name = strings.TrimSpace(name)
						commits = append(commits, func() {
							org := f.coll("parties").insert(partyEntity.defaults(c), c.now)
							org["type"], org["name"] = "organisation", name
							org["owner"], org["team"] = ref(c.user), nil
							org["pictureURL"] = pictureURL(org)
							rec["organisation"] = ref(org["id"].(int64))
						})
					}
				default:
					errs = append(errs, fieldErr("party", "organisation", "is invalid"))
				}
			}
		}
	} else {
		name := strings.TrimSpace(str(rec["name"]))
		if name == "" {
			errs = append(errs, fieldErr("party", "name", "is required"))
		} else if other := f.orgByName(name); other != nil && other["id"] != rec["id"] {
			errs = append(errs, fieldErr("party", "name", "has already been taken"))
		}
	}
	errs = append(errs, ownerTeam(c, rec, in, create, "party", false, false)...)
	for _, nc := range []struct {
		key string
		v   func(record, bool) []fieldError
	}{{"emailAddresses", validateEmail}, {"phoneNumbers", validatePhone}, {"addresses", validateAddr}, {"websites", validateWeb}} {
		existing := contactList(rec[nc.key])
		out, nerrs := f.mergeNested(existing, in[nc.key], "party", nc.key, nc.v)
		if nerrs != nil {
			errs = append(errs, nerrs...)
			continue
		}
		rec[nc.key] = out
	}
	errs = append(errs, f.applyFields(partyEntity, rec, in["fields"], "party")...)
	tagCommit, terrs := f.applyTags(partyEntity, rec, in["tags"], "party")
	errs = append(errs, terrs...)
	if len(errs) > 0 {
		return nil, validationFailed(errs...)
	}
	if tagCommit != nil {
		commits = append(commits, tagCommit)
	}
	return func() {
		for _, fn := range commits {
			fn()
		}
		if create {
			// the id is assigned by insert; keep the avatar stable from then on
			h := fnv.New32a()
			h.Write([]byte(partyName(rec)))
			rec["_colour"] = int64(h.Sum32() % 2000000000)
		}
		rec["pictureURL"] = pictureURL(rec)
	}, nil
}

// renderParty is a party's JSON; organisation is a stub, or the full
// organisation with embed=organisation.
func renderParty(c *call, rec record) any {
	out := renderPartyPlain(c, rec)
	if rec["type"] == "person" {
		out["organisation"] = c.partyOrFull(refOf(rec, "organisation"), "organisation")
	}
	return out
}

// renderPartyPlain renders a party without expanding its organisation.
func renderPartyPlain(c *call, rec record) record {
	out := view(rec)
	if rec["type"] == "person" {
		out["organisation"] = c.partyRef(refOf(rec, "organisation"))
	}
	partyEntity.renderCommon(c, rec, out)
	return out
}

func partySearchText(f *fake, p record) []string {
	out := []string{partyName(p)}
	for _, k := range []string{"firstName", "lastName", "name", "jobTitle"} {
		if s := str(p[k]); s != "" {
			out = append(out, s)
		}
	}
	for _, nc := range [...][2]string{{"emailAddresses", "address"}, {"phoneNumbers", "number"}, {"addresses", "zip"}} {
		for _, v := range contactVals(p[nc[0]], nc[1]) {
			out = append(out, str(v))
		}
	}
	return out
}

// anyList reads a stored nested collection (copies of the elements of a
// packed one).
func anyList(v any) []record {
	if cs, isPacked := v.(contacts); isPacked {
		v = cs.unpack()
	}
	items, _ := v.([]any)
	out := make([]record, 0, len(items))
	for _, it := range items {
		if m, isObj := it.(map[string]any); isObj {
			out = append(out, m)
		}
	}
	return out
}
