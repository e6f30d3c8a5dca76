package capsule

// Contact details of a party: postal addresses, phone numbers, email
// addresses and websites. Each is a nested collection of the party: the
// models below are what Capsule returns, and the ...Change types are the
// items a PartyInput sends to add, change or remove one entry.

// Address is a postal address of a party. Every part may be null.
type Address struct {
	ID      int64   `json:"id"`
	Type    *string `json:"type"` // AddressHome, AddressPostal, AddressOffice, AddressBilling, AddressShipping or nil
	Street  *string `json:"street"`
	City    *string `json:"city"`
	State   *string `json:"state"`
	Country *string `json:"country"` // a country name as listed by Countries.Read
	Zip     *string `json:"zip"`
}

// PhoneNumber is a phone number of a party.
type PhoneNumber struct {
	ID     int64   `json:"id"`
	Type   *string `json:"type"` // PhoneHome, PhoneWork, PhoneMobile, PhoneFax, PhoneDirect or nil
	Number string  `json:"number"`
}

// EmailAddress is an email address of a party.
type EmailAddress struct {
	ID      int64   `json:"id"`
	Type    *string `json:"type"` // EmailHome, EmailWork or nil
	Address string  `json:"address"`
}

// Website is a web presence of a party: a URL or an account on a service
// such as Twitter or GitHub.
type Website struct {
	ID      int64   `json:"id"`
	Type    *string `json:"type"`    // WebsiteHome, WebsiteWork or nil
	Service string  `json:"service"` // one of the Service... constants
	// Address is the username for Twitter, GitHub, YouTube, Pinterest and
	// Instagram, and a URL for the other services.
	Address string `json:"address"`
	// URL is the link Capsule derives from Service and Address (read-only).
	URL string `json:"url,omitempty"`
}

// Types of an address.
const (
	AddressHome     = "Home"
	AddressPostal   = "Postal"
	AddressOffice   = "Office"
	AddressBilling  = "Billing"
	AddressShipping = "Shipping"
)

// Types of a phone number.
const (
	PhoneHome   = "Home"
	PhoneWork   = "Work"
	PhoneMobile = "Mobile"
	PhoneFax    = "Fax"
	PhoneDirect = "Direct"
)

// Types of an email address.
const (
	EmailHome = "Home"
	EmailWork = "Work"
)

// Types of a website.
const (
	WebsiteHome = "Home"
	WebsiteWork = "Work"
)

// Services of a website.
const (
	ServiceURL        = "URL"
	ServiceSkype      = "SKYPE"
	ServiceTwitter    = "TWITTER"
	ServiceLinkedIn   = "LINKED_IN"
	ServiceFacebook   = "FACEBOOK"
	ServiceXing       = "XING"
	ServiceFeed       = "FEED"
	ServiceGooglePlus = "GOOGLE_PLUS"
	ServiceFlickr     = "FLICKR"
	ServiceGitHub     = "GITHUB"
	ServiceYouTube    = "YOUTUBE"
	ServiceInstagram  = "INSTAGRAM"
	ServicePinterest  = "PINTEREST"
)

// AddressChange is one item of PartyInput.Addresses. Without an ID it adds
// an address; with an ID it changes the set parts of that address; with an
// ID and Delete it removes that address. Build it with AddAddress,
// ChangeAddress or RemoveAddress, or fill it directly to clear a part with
// Null.
type AddressChange struct {
	ID      int64            `json:"id,omitempty"`
	Type    Optional[string] `json:"type,omitzero"`
	Street  Optional[string] `json:"street,omitzero"`
	City    Optional[string] `json:"city,omitzero"`
	State   Optional[string] `json:"state,omitzero"`
	Country Optional[string] `json:"country,omitzero"`
	Zip     Optional[string] `json:"zip,omitzero"`
	Delete  bool             `json:"_delete,omitempty"`
}

// AddressParts holds the parts of an address for AddAddress and
// ChangeAddress. An empty part is not sent.
type AddressParts struct {
	Type    string
	Street  string // may hold several lines separated by "\n"
	City    string
	State   string
	Country string
	Zip     string
}

// AddAddress returns an item that adds an address with the non-empty parts
// of p.
func AddAddress(p AddressParts) AddressChange {
	return AddressChange{
		Type:    setNonEmpty(p.Type),
		Street:  setNonEmpty(p.Street),
		City:    setNonEmpty(p.City),
		State:   setNonEmpty(p.State),
		Country: setNonEmpty(p.Country),
		Zip:     setNonEmpty(p.Zip),
	}
}

// ChangeAddress returns an item that sets the non-empty parts of p on the
// address with the given id and leaves its other parts as they are.
func ChangeAddress(id int64, p AddressParts) AddressChange {
	c := AddAddress(p)
	c.ID = id
	return c
}

// RemoveAddress returns an item that removes the address with the given id.
func RemoveAddress(id int64) AddressChange { return AddressChange{ID: id, Delete: true} }

// PhoneNumberChange is one item of PartyInput.PhoneNumbers: add (no ID),
// change (ID and the parts to set) or remove (ID and Delete). Build it with
// AddPhoneNumber, ChangePhoneNumber or RemovePhoneNumber.
type PhoneNumberChange struct {
	ID     int64            `json:"id,omitempty"`
	Type   Optional[string] `json:"type,omitzero"`
	Number Optional[string] `json:"number,omitzero"`
	Delete bool             `json:"_delete,omitempty"`
}

// AddPhoneNumber returns an item that adds the phone number; typ (one of the
// Phone... constants) is not sent when empty.
func AddPhoneNumber(number, typ string) PhoneNumberChange {
	return PhoneNumberChange{Type: setNonEmpty(typ), Number: setNonEmpty(number)}
}

// ChangePhoneNumber returns an item that sets the number and type of the
// phone number with the given id; an empty argument leaves that part as it
// is.
func ChangePhoneNumber(id int64, number, typ string) PhoneNumberChange {
	c := AddPhoneNumber(number, typ)
	c.ID = id
	return c
}

// RemovePhoneNumber returns an item that removes the phone number with the
// given id.
func RemovePhoneNumber(id int64) PhoneNumberChange {
	return PhoneNumberChange{ID: id, Delete: true}
}

// EmailAddressChange is one item of PartyInput.EmailAddresses: add (no ID),
// change (ID and the parts to set) or remove (ID and Delete). Build it with
// AddEmail, ChangeEmail or RemoveEmail.
type EmailAddressChange struct {
	ID      int64            `json:"id,omitempty"`
	Type    Optional[string] `json:"type,omitzero"`
	Address Optional[string] `json:"address,omitzero"`
	Delete  bool             `json:"_delete,omitempty"`
}

// AddEmail returns an item that adds the email address; typ (EmailHome or
// EmailWork) is not sent when empty.
func AddEmail(address, typ string) EmailAddressChange {
	return EmailAddressChange{Type: setNonEmpty(typ), Address: setNonEmpty(address)}
}

// ChangeEmail returns an item that sets the address and type of the email
// address with the given id; an empty argument leaves that part as it is.
func ChangeEmail(id int64, address, typ string) EmailAddressChange {
	c := AddEmail(address, typ)
	c.ID = id
	return c
}

// RemoveEmail returns an item that removes the email address with the given
// id.
func RemoveEmail(id int64) EmailAddressChange { return EmailAddressChange{ID: id, Delete: true} }

// WebsiteChange is one item of PartyInput.Websites: add (no ID), change (ID
// and the parts to set) or remove (ID and Delete). Build it with AddWebsite,
// ChangeWebsite or RemoveWebsite.
type WebsiteChange struct {
	ID      int64            `json:"id,omitempty"`
	Type    Optional[string] `json:"type,omitzero"`
	Service Optional[string] `json:"service,omitzero"`
	Address Optional[string] `json:"address,omitzero"`
	Delete  bool             `json:"_delete,omitempty"`
}

// AddWebsite returns an item that adds a website: service is one of the
// Service... constants, address a URL or a username (see Website.Address),
// typ (WebsiteHome or WebsiteWork) is not sent when empty.
func AddWebsite(service, address, typ string) WebsiteChange {
	return WebsiteChange{Type: setNonEmpty(typ), Service: setNonEmpty(service), Address: setNonEmpty(address)}
}

// ChangeWebsite returns an item that sets the service, address and type of
// the website with the given id; an empty argument leaves that part as it
// is.
func ChangeWebsite(id int64, service, address, typ string) WebsiteChange {
	c := AddWebsite(service, address, typ)
	c.ID = id
	return c
}

// RemoveWebsite returns an item that removes the website with the given id.
func RemoveWebsite(id int64) WebsiteChange { return WebsiteChange{ID: id, Delete: true} }

// setNonEmpty returns Set(s), or an unset Optional when s is empty.
func setNonEmpty(s string) Optional[string] {
	if s == "" {
		return Optional[string]{}
	}
	return Set(s)
}

// Validation of change items, shared by the party input checks.

func (c AddressChange) check() (string, bool) {
	return checkChange(c.ID, c.Delete, !c.Type.IsZero() || !c.Street.IsZero() || !c.City.IsZero() ||
		!c.State.IsZero() || !c.Country.IsZero() || !c.Zip.IsZero(), true)
}

func (c PhoneNumberChange) check() (string, bool) {
	return checkChange(c.ID, c.Delete, !c.Type.IsZero() || !c.Number.IsZero(), c.Number.IsSet())
}

func (c EmailAddressChange) check() (string, bool) {
	return checkChange(c.ID, c.Delete, !c.Type.IsZero() || !c.Address.IsZero(), c.Address.IsSet())
}

func (c WebsiteChange) check() (string, bool) {
	return checkChange(c.ID, c.Delete, !c.Type.IsZero() || !c.Service.IsZero() || !c.Address.IsZero(),
		c.Service.IsSet() && c.Address.IsSet())
}

// checkChange reports what is wrong with a nested-collection item, if
// anything: a negative id, a removal without an id, an addition without its
// required parts, or an item that says nothing at all.
func checkChange(id int64, del, anySet, requiredSet bool) (string, bool) {
	switch {
	case id < 0:
		return "id must be positive", false
	case del && id == 0:
		return "a removal needs the id of the item", false
	case del:
		return "", true
	case id == 0 && !requiredSet:
		return "a new item needs its required parts", false
	case id > 0 && !anySet:
		return "a change sets nothing", false
	}
	return "", true
}
