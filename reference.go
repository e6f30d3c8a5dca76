package capsule

import (
	"context"
	"time"
)

// User is a user of the Capsule account. Users are created and removed in
// the Capsule web app; the API reads them and updates their preferences.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	// Name mirrors the name of the user's party record (read-only).
	Name string `json:"name"`
	// Locale is one of the Locale constants, e.g. LocaleEnglishGB.
	Locale string `json:"locale"`
	// Currency is an ISO 4217 code such as "GBP".
	Currency string `json:"currency"`
	// Timezone is an IANA zone name such as "Europe/London".
	Timezone string `json:"timezone"`
	// EmailPreference is how e-mail links open, e.g. "GMAIL".
	EmailPreference string `json:"emailPreference"`
	// ClickToCallPreference is one of the ClickToCall constants.
	ClickToCallPreference     string `json:"clickToCallPreference"`
	PreferredEmailFromAddress string `json:"preferredEmailFromAddress"`
	// Party is the person record that holds the user's e-mail addresses and
	// phone numbers: a stub, or the full party with embed=party.
	Party *Party `json:"party"`
	// TaskReminder reports whether the user gets the daily task e-mail.
	TaskReminder bool `json:"taskReminder"`
	// Status is "ACTIVE" for active users (read-only).
	Status string `json:"status"`
	// LastLoginAt is when the user last signed in; nil when never.
	LastLoginAt *time.Time `json:"lastLoginAt"`
	// Roles is only returned by older API versions; nil when absent.
	Roles *UserRoles `json:"roles,omitempty"`
}

// UserRoles holds the account roles some API versions return with a user.
type UserRoles struct {
	IsAccountOwner bool `json:"isAccountOwner"`
	IsAccountAdmin bool `json:"isAccountAdmin"`
}

// Locales a user can choose (User.Locale).
const (
	LocaleEnglishUS = "en_US"
	LocaleEnglishGB = "en_GB"
	LocaleSpanishES = "es_ES"
)

// Click-to-call preferences (User.ClickToCallPreference).
const (
	ClickToCallSIP        = "SIP"
	ClickToCallTel        = "TEL"
	ClickToCallCallTo     = "CALLTO"
	ClickToCallCircleLoop = "CIRCLELOOP"
)

// UserInput is the body of a user update: the user's preferences. Unset
// fields keep their value.
type UserInput struct {
	Username                  Optional[string] `json:"username,omitzero"`
	Locale                    Optional[string] `json:"locale,omitzero"`
	Currency                  Optional[string] `json:"currency,omitzero"`
	Timezone                  Optional[string] `json:"timezone,omitzero"`
	EmailPreference           Optional[string] `json:"emailPreference,omitzero"`
	ClickToCallPreference     Optional[string] `json:"clickToCallPreference,omitzero"`
	PreferredEmailFromAddress Optional[string] `json:"preferredEmailFromAddress,omitzero"`
	TaskReminder              Optional[bool]   `json:"taskReminder,omitzero"`
}

func (s *UsersService) endpoint() endpoint[User] {
	return newEndpoint[User](s.client, "users", "user", "users")
}

// Read returns every user of the account. Set opts.Embed to "party" for
// the users' party records.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/User
// GET /users
func (s *UsersService) Read(ctx context.Context, opts *ReadOptions) ([]*User, *Response, error) {
	return readAllUnpaged(ctx, s.endpoint(), "", embedOf(opts))
}

// ReadSingle returns the user with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/User
// GET /users/{userId}
func (s *UsersService) ReadSingle(ctx context.Context, id int64, opts *ReadOptions) (*User, *Response, error) {
	return s.endpoint().get(ctx, id, opts)
}

// ReadCurrent returns the user the client's token belongs to. Set
// opts.Embed to "party" for the user's party record.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/User
// GET /users/current
func (s *UsersService) ReadCurrent(ctx context.Context, opts *ReadOptions) (*User, *Response, error) {
	return s.endpoint().getAt(ctx, "users/current", opts)
}

// Update changes the preferences of the user with the given id; unset
// fields keep their value. Capsule may require the user_preference scope.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/User
// PUT /users/{userId}
func (s *UsersService) Update(ctx context.Context, id int64, in *UserInput) (*User, *Response, error) {
	if in != nil {
		if err := checkText("Username", in.Username, false); err != nil {
			return nil, nil, err
		}
	}
	return s.endpoint().update(ctx, id, in, nil)
}

// embedOf returns opts.Embed, or nil for nil opts.
func embedOf(opts *ReadOptions) []string {
	if opts == nil {
		return nil
	}
	return opts.Embed
}

// Team is a team of users. Records can be assigned to a team.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// Memberships is only filled with embed=memberships.
	Memberships []TeamMembership `json:"memberships,omitempty"`
}

// TeamMembership is one member of a team.
type TeamMembership struct {
	User UserRef `json:"user"`
}

func (s *TeamsService) endpoint() endpoint[Team] {
	return newEndpoint[Team](s.client, "teams", "team", "teams")
}

// Read returns every team of the account. Set opts.Embed to "memberships"
// for the members.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Team
// GET /teams
func (s *TeamsService) Read(ctx context.Context, opts *ReadOptions) ([]*Team, *Response, error) {
	return readAllUnpaged(ctx, s.endpoint(), "", embedOf(opts))
}

// ReadSingle returns the team with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Team
// GET /teams/{teamId}
func (s *TeamsService) ReadSingle(ctx context.Context, id int64, opts *ReadOptions) (*Team, *Response, error) {
	return s.endpoint().get(ctx, id, opts)
}

// Site is the Capsule account the token belongs to.
type Site struct {
	// URL is the account's web address, e.g. "https://exampleco.capsulecrm.com".
	URL       string `json:"url"`
	Subdomain string `json:"subdomain"`
	Name      string `json:"name"`
}

// Read returns the account the client's token belongs to.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Site
// GET /site
func (s *SiteService) Read(ctx context.Context) (*Site, *Response, error) {
	return newEndpoint[Site](s.client, "site", "site", "").getAt(ctx, "site", nil)
}

// PersonTitle is a custom person title such as "Sir". A person's title must
// be a built-in title or one of these.
type PersonTitle struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// PersonTitleInput is the body of a custom title creation.
type PersonTitleInput struct {
	Title Optional[string] `json:"title,omitzero"`
}

func (s *TitlesService) endpoint() endpoint[PersonTitle] {
	return newEndpoint[PersonTitle](s.client, "titles", "personTitle", "personTitles")
}

// Read returns every custom person title. Capsule has no show or update
// operation for titles.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Title
// GET /titles
func (s *TitlesService) Read(ctx context.Context) ([]*PersonTitle, *Response, error) {
	return readAllUnpaged(ctx, s.endpoint(), "", nil)
}

// Create adds a custom person title; in.Title is required. Only
// administrators may, and an account has at most 50 custom titles.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Title
// POST /titles
func (s *TitlesService) Create(ctx context.Context, in *PersonTitleInput) (*PersonTitle, *Response, error) {
	if err := checkInput(in); err != nil {
		return nil, nil, err
	}
	if err := checkText("Title", in.Title, true); err != nil {
		return nil, nil, err
	}
	return s.endpoint().create(ctx, in, nil)
}

// Delete removes the custom title with the given id. Capsule refuses while
// a party uses it. Only administrators may.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Custom_Title
// DELETE /titles/{titleId}
func (s *TitlesService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.endpoint().delete(ctx, id)
}

// Country is a country as Capsule knows it. Name is what party addresses
// use.
type Country struct {
	Alpha2Code  string `json:"alpha2Code"`
	Alpha3Code  string `json:"alpha3Code"`
	NumericCode int    `json:"numericCode"`
	Name        string `json:"name"`
}

// Read returns every country Capsule knows; the list is the same for all
// accounts.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Internationalization
// GET /countries
func (s *CountriesService) Read(ctx context.Context) ([]*Country, *Response, error) {
	return readAllUnpaged(ctx, newEndpoint[Country](s.client, "countries", "country", "countries"), "", nil)
}

// Currency is a currency Capsule supports. Name and PluralName are empty for
// the currencies Capsule sends without them.
type Currency struct {
	// Code is the ISO 4217 code, e.g. "AUD".
	Code       string `json:"code"`
	Symbol     string `json:"symbol"`
	Name       string `json:"name,omitempty"`
	PluralName string `json:"pluralName,omitempty"`
}

// Read returns every currency Capsule supports; the list is the same for
// all accounts.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Internationalization
// GET /currencies
func (s *CurrenciesService) Read(ctx context.Context) ([]*Currency, *Response, error) {
	return readAllUnpaged(ctx, newEndpoint[Currency](s.client, "currencies", "currency", "currencies"), "", nil)
}
