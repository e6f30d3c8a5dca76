package capsule

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddressChangeMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   AddressChange
		want string
	}{
		{"empty", AddressChange{}, `{}`},
		{"add", AddAddress(AddressParts{Type: AddressOffice, Street: "1 Main St\nFloor 2", City: "London", State: "Greater London", Country: "United Kingdom", Zip: "N1 1AA"}),
			`{"type":"Office","street":"1 Main St\nFloor 2","city":"London","state":"Greater London","country":"United Kingdom","zip":"N1 1AA"}`},
		{"add leaves out empty parts", AddAddress(AddressParts{City: "Leeds"}), `{"city":"Leeds"}`},
		{"change", ChangeAddress(12135, AddressParts{Zip: "60607"}), `{"id":12135,"zip":"60607"}`},
		{"change clears a part", AddressChange{ID: 5, Type: Null[string](), Street: Set("")}, `{"id":5,"type":null,"street":""}`},
		{"remove", RemoveAddress(12135), `{"id":12135,"_delete":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testJSONMarshal(t, tt.in, tt.want)
		})
	}
}

func TestPhoneNumberChangeMarshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, AddPhoneNumber("773-338-7786", PhoneMobile), `{"type":"Mobile","number":"773-338-7786"}`)
	testJSONMarshal(t, AddPhoneNumber("773-338-7786", ""), `{"number":"773-338-7786"}`)
	testJSONMarshal(t, ChangePhoneNumber(12133, "", PhoneFax), `{"id":12133,"type":"Fax"}`)
	testJSONMarshal(t, ChangePhoneNumber(12133, "+44 1", ""), `{"id":12133,"number":"+44 1"}`)
	testJSONMarshal(t, PhoneNumberChange{ID: 1, Type: Null[string]()}, `{"id":1,"type":null}`)
	testJSONMarshal(t, RemovePhoneNumber(12133), `{"id":12133,"_delete":true}`)
}

func TestEmailAddressChangeMarshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, AddEmail("scott@example.com", EmailWork), `{"type":"Work","address":"scott@example.com"}`)
	testJSONMarshal(t, AddEmail("scott@example.com", ""), `{"address":"scott@example.com"}`)
	testJSONMarshal(t, ChangeEmail(12134, "new@example.com", ""), `{"id":12134,"address":"new@example.com"}`)
	testJSONMarshal(t, ChangeEmail(12134, "", EmailHome), `{"id":12134,"type":"Home"}`)
	testJSONMarshal(t, EmailAddressChange{ID: 3, Type: Null[string]()}, `{"id":3,"type":null}`)
	testJSONMarshal(t, RemoveEmail(12134), `{"id":12134,"_delete":true}`)
}

func TestWebsiteChangeMarshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, AddWebsite(ServiceGitHub, "scottspacey", WebsiteWork), `{"type":"Work","service":"GITHUB","address":"scottspacey"}`)
	testJSONMarshal(t, AddWebsite(ServiceURL, "https://example.com", ""), `{"service":"URL","address":"https://example.com"}`)
	testJSONMarshal(t, ChangeWebsite(12136, "", "https://example.org", ""), `{"id":12136,"address":"https://example.org"}`)
	testJSONMarshal(t, ChangeWebsite(12136, ServiceTwitter, "scott", WebsiteHome), `{"id":12136,"type":"Home","service":"TWITTER","address":"scott"}`)
	testJSONMarshal(t, RemoveWebsite(12136), `{"id":12136,"_delete":true}`)
}

func TestChangeItemCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		item interface{ check() (string, bool) }
		ok   bool
	}{
		{"add address", AddAddress(AddressParts{City: "Leeds"}), true},
		{"add empty address", AddAddress(AddressParts{}), true},
		{"change address", ChangeAddress(1, AddressParts{City: "Leeds"}), true},
		{"change address sets nothing", ChangeAddress(1, AddressParts{}), false},
		{"remove address", RemoveAddress(1), true},
		{"remove address without id", RemoveAddress(0), false},
		{"negative id", ChangeAddress(-1, AddressParts{City: "x"}), false},
		{"add phone", AddPhoneNumber("1", ""), true},
		{"add phone without number", AddPhoneNumber("", PhoneWork), false},
		{"change phone type", ChangePhoneNumber(2, "", PhoneWork), true},
		{"add email", AddEmail("a@b.c", ""), true},
		{"add email without address", AddEmail("", EmailWork), false},
		{"remove email", RemoveEmail(4), true},
		{"add website", AddWebsite(ServiceURL, "x.com", ""), true},
		{"add website without service", AddWebsite("", "x.com", ""), false},
		{"add website without address", AddWebsite(ServiceURL, "", ""), false},
		{"change website", ChangeWebsite(5, "", "", WebsiteWork), true},
		{"remove website negative", RemoveWebsite(-5), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, ok := tt.item.check()
			assert.Equal(t, tt.ok, ok, msg)
			if !ok {
				assert.NotEmpty(t, msg)
			}
		})
	}
}

func TestContactModelsDecodeNulls(t *testing.T) {
	t.Parallel()
	var a Address
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"type":null,"street":null,"city":null,"state":null,"country":null,"zip":null}`), &a))
	assert.Equal(t, Address{ID: 1}, a)
	var w Website
	require.NoError(t, json.Unmarshal([]byte(`{"id":2,"type":null,"service":"URL","address":"x.com","url":"http://x.com","extra":1}`), &w))
	assert.Equal(t, Website{ID: 2, Service: ServiceURL, Address: "x.com", URL: "http://x.com"}, w)
}
