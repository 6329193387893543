package anonymize_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"

	"github.com/yasam/privacy/purpose"
)

type category = purpose.Category

type address struct {
	City   string
	Street string `privacy:"geolocation"`
}

type payment struct {
	Card string `privacy:"card,mask"`
	IBAN string `privacy:"iban"`
}

type customer struct {
	Name     string    `privacy:"identity,replace=<name>"`
	IIN      string    `privacy:"iin"`
	Phone    string    `privacy:"phone,mask"`
	Emails   []string  `privacy:"email"`
	Born     time.Time `privacy:"identity,year"`
	Note     string    `privacy:"text"`
	Home     *address
	Payments []payment
	Extra    map[string]string `privacy:"documents"`
	Tags     map[string]*address
	Age      int    `privacy:"identity"`
	Plan     string // not personal
	Raw      string `privacy:"-"`
	secret   string
}

func newCustomer() customer {
	return customer{
		Name:     "Иван Иванов",
		IIN:      "901123300258",
		Phone:    "+7 771 000 99 98",
		Emails:   []string{"ivan@mail.kz", "i@corp.kz"},
		Born:     time.Date(1990, 11, 23, 0, 0, 0, 0, time.UTC),
		Note:     "перезвонить на 87710009998, карта 4111111111111111",
		Home:     &address{City: "Алматы", Street: "Абая 1"},
		Payments: []payment{{Card: "4111 1111 1111 1111", IBAN: "KZ86125KZT5004100100"}},
		Extra:    map[string]string{"passport": "N12345678"},
		Tags:     map[string]*address{"work": {City: "Астана", Street: "Кабанбай батыра 2"}},
		Age:      34,
		Plan:     "premium",
		Raw:      "raw 901123300258",
		secret:   "s",
	}
}

func TestRedactValue(t *testing.T) {
	t.Parallel()
	r := anonymize.NewRedactor()
	in := newCustomer()
	orig := newCustomer()
	got, err := anonymize.RedactValue(r, in)
	require.NoError(t, err)

	want := customer{
		Name:     "<name>",
		IIN:      "[iin]",
		Phone:    "+* *** *** 99 98",
		Emails:   []string{"[email]", "[email]"},
		Born:     time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC),
		Note:     "перезвонить на [phone], карта [card]",
		Home:     &address{City: "Алматы", Street: "[geolocation]"},
		Payments: []payment{{Card: "**** **** **** 1111", IBAN: "[iban]"}},
		Extra:    map[string]string{"passport": "[documents]"},
		Tags:     map[string]*address{"work": {City: "Астана", Street: "[geolocation]"}},
		Age:      0,
		Plan:     "premium",
		Raw:      "raw 901123300258",
		secret:   "", // untagged and unexported in a tagged type: zeroed
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(customer{})); diff != "" {
		t.Errorf("RedactValue (-want +got):\n%s", diff)
	}
	// The input is untouched, including what its pointers and maps reach.
	if diff := cmp.Diff(orig, in, cmp.AllowUnexported(customer{})); diff != "" {
		t.Errorf("input mutated (-orig +now):\n%s", diff)
	}
	assert.NotSame(t, in.Home, got.Home)
}

func TestRedactCategories(t *testing.T) {
	t.Parallel()
	r := anonymize.NewRedactor()
	tests := []struct {
		name  string
		cats  []category
		check func(t *testing.T, c customer)
	}{
		{"iin_bin only", []category{"iin_bin"}, func(t *testing.T, c customer) {
			assert.Equal(t, "[iin]", c.IIN)
			assert.Equal(t, "+7 771 000 99 98", c.Phone)
			assert.Equal(t, "Иван Иванов", c.Name)
			assert.Equal(t, "Абая 1", c.Home.Street)
		}},
		{"contact filters text findings too", []category{"contact"}, func(t *testing.T, c customer) {
			assert.Equal(t, "901123300258", c.IIN)
			assert.Equal(t, "+* *** *** 99 98", c.Phone)
			assert.Equal(t, []string{"[email]", "[email]"}, c.Emails)
			assert.Equal(t, "перезвонить на [phone], карта 4111111111111111", c.Note)
		}},
		{"payment details and geolocation", []category{"payment_details", "geolocation"}, func(t *testing.T, c customer) {
			assert.Equal(t, "**** **** **** 1111", c.Payments[0].Card)
			assert.Equal(t, "[geolocation]", c.Tags["work"].Street)
			assert.Equal(t, "перезвонить на 87710009998, карта [card]", c.Note)
			assert.Equal(t, 34, c.Age)
		}},
		{"none", []category{}, func(t *testing.T, c customer) {
			want := newCustomer()
			want.secret = "" // category unknown: zeroed whatever the categories
			if diff := cmp.Diff(want, c, cmp.AllowUnexported(customer{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := anonymize.RedactCategories(r, newCustomer(), tt.cats...)
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

func TestRedactValueOperators(t *testing.T) {
	t.Parallel()
	p, err := anonymize.NewPseudonymizer(key("k1", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	tk, err := anonymize.NewTokenizer(key("k1", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	type rec struct {
		IIN   string `privacy:"iin,pseudonymize"`
		Phone string `privacy:"phone,tokenize"`
		Day   string `privacy:"identity,month"`
		Gone  string `privacy:"identity,omit"`
	}
	r := anonymize.NewRedactor(anonymize.WithPseudonymizer(p), anonymize.WithTokenizer(tk))
	got, err := anonymize.RedactValue(r, &rec{IIN: "901123300258", Phone: "87710009998", Day: "1990-11-23", Gone: "x"})
	require.NoError(t, err)
	assert.Equal(t, p.Pseudonym(anonymize.KindIIN, "901123300258"), got.IIN)
	kind, v, err := tk.Detokenize(got.Phone)
	require.NoError(t, err)
	assert.Equal(t, anonymize.KindPhone, kind)
	assert.Equal(t, "87710009998", v)
	assert.Equal(t, "1990-11", got.Day)
	assert.Empty(t, got.Gone)

	_, err = anonymize.RedactValue(anonymize.NewRedactor(), rec{IIN: "901123300258"})
	require.ErrorIs(t, err, anonymize.ErrNoOperator)
}

func TestRedactValueErrors(t *testing.T) {
	t.Parallel()
	r := anonymize.NewRedactor()
	type badOp struct {
		A string `privacy:"iin,shred"`
	}
	type noName struct {
		A string `privacy:",mask"`
	}
	type badDate struct {
		A string `privacy:"identity,year"`
	}
	_, err := anonymize.RedactValue(r, badOp{A: "901123300258"})
	require.ErrorIs(t, err, anonymize.ErrBadTag)
	_, err = anonymize.RedactValue(r, noName{})
	require.ErrorIs(t, err, anonymize.ErrBadTag)
	_, err = anonymize.RedactValue(r, badDate{A: "23.11.1990"})
	require.ErrorIs(t, err, anonymize.ErrGeneralize)
	assert.NotContains(t, err.Error(), "23.11.1990")
}

func TestRedactValueCycle(t *testing.T) {
	t.Parallel()
	type node struct {
		IIN  string `privacy:"iin"`
		Next *node
	}
	n := &node{IIN: "901123300258"}
	n.Next = n
	got, err := anonymize.RedactValue(anonymize.NewRedactor(), n)
	require.NoError(t, err)
	assert.Equal(t, "[iin]", got.IIN)
	assert.Same(t, got, got.Next)
	assert.Equal(t, "901123300258", n.IIN)
}

func TestRedactValueNilInterface(t *testing.T) {
	t.Parallel()
	got, err := anonymize.RedactValue[any](anonymize.NewRedactor(), nil)
	require.NoError(t, err)
	assert.Nil(t, got)
}

func TestRedactAny(t *testing.T) {
	t.Parallel()
	r := anonymize.NewRedactor()
	got, err := r.RedactAny(payment{Card: "4111111111111111"})
	require.NoError(t, err)
	assert.Equal(t, payment{Card: "************1111"}, got)
	got, err = r.RedactAny(nil)
	require.NoError(t, err)
	assert.Nil(t, got)
}

type personInner struct {
	IIN   string `privacy:"iin"`
	Phone string
	note  string
}

type personEmbeds struct {
	personInner
	Name string
}

type personEmbedsPtr struct {
	*personInner
	Name string
}

type personHidden struct {
	Name  string `privacy:"identity"`
	iin   string `privacy:"iin"`
	raw   string
	kept  string `privacy:"-"`
	inner personInner
}

type untaggedHidden struct {
	Plan string
	raw  string
}

type personInnerDeep struct {
	Contact struct {
		Email string `privacy:"email"`
	}
	memo string
}

// TestRedactValueUnexported covers embedded structs of unexported types and
// unexported fields: tags reached through them apply, and untagged
// unexported fields are zeroed in tagged types, kept in untagged ones.
func TestRedactValueUnexported(t *testing.T) {
	t.Parallel()
	r := anonymize.NewRedactor()
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"embedded unexported struct",
			personEmbeds{personInner{IIN: "901123300258", Phone: "p", note: "n"}, "Иван"},
			personEmbeds{personInner{IIN: "[iin]", Phone: "p"}, "Иван"}},
		{"embedded pointer to unexported struct",
			personEmbedsPtr{&personInner{IIN: "901123300258", note: "n"}, "Иван"},
			personEmbedsPtr{&personInner{IIN: "[iin]"}, "Иван"}},
		{"embedded nil pointer", personEmbedsPtr{nil, "Иван"}, personEmbedsPtr{nil, "Иван"}},
		{"pointer to embedding struct",
			&personEmbeds{personInner{IIN: "901123300258"}, "Иван"},
			&personEmbeds{personInner{IIN: "[iin]"}, "Иван"}},
		{"unexported fields of a tagged type",
			personHidden{Name: "Иван", iin: "901123300258", raw: "901123300258", kept: "k", inner: personInner{IIN: "061211600012"}},
			personHidden{Name: "[identity]", iin: "[iin]", kept: "k"}},
		{"untagged type keeps unexported fields", untaggedHidden{"pro", "r"}, untaggedHidden{"pro", "r"}},
		{"tags deep in a field make the type tagged",
			personInnerDeep{memo: "call 87710009998"},
			personInnerDeep{}},
	}
	opts := cmp.Exporter(func(reflect.Type) bool { return true })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := fmt.Sprintf("%+v", deref(tt.in))
			got, err := r.RedactAny(tt.in)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			assert.Equal(t, before, fmt.Sprintf("%+v", deref(tt.in)), "input modified")
		})
	}
	// Through the generic entry point, and without sharing the pointer.
	in := personEmbedsPtr{&personInner{IIN: "901123300258"}, "Иван"}
	got, err := anonymize.RedactValue(r, in)
	require.NoError(t, err)
	assert.Equal(t, "[iin]", got.IIN)
	assert.Equal(t, "901123300258", in.IIN)
	assert.NotSame(t, in.personInner, got.personInner)
}

// deref follows pointers so that %+v shows what they reach.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Struct && rv.NumField() > 0 && rv.Field(0).Kind() == reflect.Pointer && !rv.Field(0).IsNil() {
		return fmt.Sprintf("%+v %+v", rv, rv.Field(0).Elem())
	}
	return fmt.Sprintf("%+v", rv)
}

// TestRedactValueNeverPanics feeds odd shapes of embedding: the walker
// must return a value or an error, never panic.
func TestRedactValueNeverPanics(t *testing.T) {
	t.Parallel()
	type hiddenString string
	type withHiddenString struct {
		hiddenString `privacy:"iin"`
		N            int
	}
	type withChan struct {
		personInner
		c chan int
		f func()
	}
	type withIface struct {
		error
		Name string `privacy:"identity"`
	}
	r := anonymize.NewRedactor()
	for _, v := range []any{
		withHiddenString{"901123300258", 1},
		withChan{personInner: personInner{IIN: "901123300258"}, c: make(chan int)},
		withIface{error: fmt.Errorf("x"), Name: "a"},
		withIface{},
		&withIface{error: fmt.Errorf("x")},
		[]personEmbeds{{personInner{IIN: "901123300258"}, "a"}},
		map[string]personEmbedsPtr{"k": {&personInner{IIN: "901123300258"}, "a"}},
	} {
		assert.NotPanics(t, func() {
			got, err := r.RedactAny(v)
			require.NoError(t, err)
			assert.NotContains(t, fmt.Sprintf("%+v", deref(got)), "901123300258")
		}, "%T", v)
	}
}
