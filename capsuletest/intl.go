package capsuletest

import (
	"strconv"
	"strings"
)

// Countries, currencies (static) and custom person titles (capsule-api-rest.md §8.4, §8.5).

type country struct {
	alpha2, alpha3 string
	numeric        int
	name           string
}

var countries = []country{
	{"AF", "AFG", 4, "Afghanistan"}, {"AR", "ARG", 32, "Argentina"}, {"AU", "AUS", 36, "Australia"},
	{"AT", "AUT", 40, "Austria"}, {"BE", "BEL", 56, "Belgium"}, {"BR", "BRA", 76, "Brazil"},
	{"CA", "CAN", 124, "Canada"}, {"CN", "CHN", 156, "China"}, {"DK", "DNK", 208, "Denmark"},
	{"FI", "FIN", 246, "Finland"}, {"FR", "FRA", 250, "France"}, {"DE", "DEU", 276, "Germany"},
	{"GR", "GRC", 300, "Greece"}, {"IN", "IND", 356, "India"}, {"IE", "IRL", 372, "Ireland"},
	{"IT", "ITA", 380, "Italy"}, {"JP", "JPN", 392, "Japan"}, {"MX", "MEX", 484, "Mexico"},
	{"NL", "NLD", 528, "Netherlands"}, {"NZ", "NZL", 554, "New Zealand"}, {"NO", "NOR", 578, "Norway"},
	{"PL", "POL", 616, "Poland"}, {"PT", "PRT", 620, "Portugal"}, {"SG", "SGP", 702, "Singapore"},
	{"ZA", "ZAF", 710, "South Africa"}, {"ES", "ESP", 724, "Spain"}, {"SE", "SWE", 752, "Sweden"},
	{"CH", "CHE", 756, "Switzerland"}, {"AE", "ARE", 784, "United Arab Emirates"},
	{"GB", "GBR", 826, "United Kingdom"}, {"US", "USA", 840, "United States"},
}

// countryAliases are other spellings Capsule accepts in addresses.
var countryAliases = map[string]string{"usa": "United States", "uk": "United Kingdom", "great britain": "United Kingdom"}

// countryName returns the canonical country name for an address value (exact
// name, alpha-2/alpha-3 code or alias, case-insensitive), or "" when unknown.
func countryName(s string) string {
	s = strings.TrimSpace(s)
	for _, c := range countries {
		if strings.EqualFold(s, c.name) || strings.EqualFold(s, c.alpha2) || strings.EqualFold(s, c.alpha3) {
			return c.name
		}
	}
	return countryAliases[strings.ToLower(s)]
}

type currency struct{ code, symbol, name, plural string }

var currencies = []currency{
	{"AED", "د.إ", "", ""}, {"AUD", "$", "AU Dollar", "AU Dollars"}, {"BRL", "R$", "Real", "Reais"},
	{"CAD", "$", "Canadian Dollar", "Canadian Dollars"}, {"CHF", "CHF", "Swiss Franc", "Swiss Francs"},
	{"CNY", "¥", "Yuan", "Yuan"}, {"DKK", "kr", "Danish Krone", "Danish Kroner"}, {"EUR", "€", "Euro", "Euros"},
	{"GBP", "£", "Pound", "Pounds"}, {"INR", "₹", "Rupee", "Rupees"}, {"JPY", "¥", "Yen", "Yen"},
	{"NOK", "kr", "Norwegian Krone", "Norwegian Kroner"}, {"NZD", "$", "NZ Dollar", "NZ Dollars"},
	{"SEK", "kr", "Swedish Krona", "Swedish Kronor"}, {"USD", "$", "US Dollar", "US Dollars"},
	{"ZAR", "R", "Rand", "Rand"},
}

// knownCurrency reports whether code is a currency of GET /currencies.
func knownCurrency(code string) bool {
	for _, c := range currencies {
		if c.code == code {
			return true
		}
	}
	return false
}

// maxTitles is Capsule's limit of custom person titles.
const maxTitles = 50

func init() {
	registerResource(func(f *fake) {
		titles := f.newCollection("personTitles", "personTitle", "personTitle", 1)
		titles.stamped = false

		f.handle("GET", "/countries", func(c *call) *reply {
			out := make([]any, 0, len(countries))
			for _, k := range countries {
				out = append(out, record{"alpha2Code": k.alpha2, "alpha3Code": k.alpha3, "numericCode": k.numeric, "name": k.name})
			}
			return ok("countries", out)
		})
		f.handle("GET", "/currencies", func(c *call) *reply {
			out := make([]any, 0, len(currencies))
			for _, k := range currencies {
				r := record{"code": k.code, "symbol": k.symbol}
				if k.name != "" {
					r["name"], r["pluralName"] = k.name, k.plural
				}
				out = append(out, r)
			}
			return ok("currencies", out)
		})

		f.handle("GET", "/titles", func(c *call) *reply {
			return c.listAll("personTitles", c.f.coll("personTitles").all(), nil)
		})
		f.handle("POST", "/titles", createTitle, adminOnly())
		f.handle("DELETE", "/titles/{id}", func(c *call) *reply {
			coll := c.f.coll("personTitles")
			rec, rep := c.lookup(coll, "id")
			if rep != nil {
				return rep
			}
			id := rec["id"].(int64)
			if msg := c.f.inUse("personTitles", id); msg != "" {
				return validationFailed(fieldError{Message: msg, Resource: "personTitle", Field: "title"})
			}
			c.f.remove(coll, id, c.now)
			return noContent()
		}, adminOnly())
	})
	registerSeeder(seedReference, "titles", func(f *fake, sc *seedCtx) {
		for _, t := range []string{"Mr", "Mrs", "Ms", "Miss", "Dr"} {
			f.coll("personTitles").insert(record{"title": t}, sc.at())
		}
	})
}

// titleExists reports whether t is one of the account's person titles (for
// validating a person's title).
func (f *fake) titleExists(t string) bool {
	for _, r := range f.coll("personTitles").all() {
		if strings.EqualFold(r["title"].(string), t) {
			return true
		}
	}
	return false
}

var titleSchema = schema{resource: "personTitle", fields: map[string]fieldSpec{
	"title": {kind: kString, required: true},
}}

func createTitle(c *call) *reply {
	in, rep := c.decode("personTitle")
	if rep != nil {
		return rep
	}
	rec := record{}
	if errs := titleSchema.apply(rec, in, true); errs != nil {
		return validationFailed(errs...)
	}
	coll := c.f.coll("personTitles")
	if c.f.titleExists(rec["title"].(string)) {
		return validationFailed(fieldErr("personTitle", "title", "has already been taken"))
	}
	if len(coll.items) >= maxTitles {
		return validationFailed(fieldError{Message: "custom titles limit reached", Resource: "personTitle", Field: "title"})
	}
	coll.insert(rec, c.now)
	return c.created("personTitle", "/titles/"+itoa(rec["id"]), view(rec))
}

// itoa formats an id for paths.
func itoa(id any) string {
	n, _ := asInt(id)
	return strconv.FormatInt(n, 10)
}
