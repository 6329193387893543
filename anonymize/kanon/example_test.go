package kanon_test

import (
	"fmt"
	"log"

	"github.com/yasam/privacy/anonymize"
	"github.com/yasam/privacy/anonymize/kanon"
)

func ExampleDepersonalize() {
	rows := []kanon.Record{
		{"iin": "901123300258", "born": "1990-11-23", "diagnosis": "flu"},
		{"iin": "900301400222", "born": "1990-03-01", "diagnosis": "cold"},
		{"iin": "910715400333", "born": "1991-07-15", "diagnosis": "flu"},
		{"iin": "920202300444", "born": "1992-02-02", "diagnosis": "flu"},
	}
	out, report, err := kanon.Depersonalize(rows, kanon.Schema{
		Identifiers:      []string{"iin"},
		QuasiIdentifiers: []kanon.QuasiIdentifier{{Name: "born", Hierarchy: kanon.DateHierarchy{}}},
		Sensitive:        []string{"diagnosis"},
	}, 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range out {
		fmt.Println(r["born"], r["diagnosis"])
	}
	fmt.Println("k =", report.K, "born level", report.Levels["born"])
	// Output:
	// 1990s flu
	// 1990s cold
	// 1990s flu
	// 1990s flu
	// k = 4 born level 3
}

func ExampleWithRedactor() {
	rows := []kanon.Record{
		{"iin": "901123300258", "born": "1990-11-23", "note": "перезвонить на +7 701 000 11 22"},
		{"iin": "900301400222", "born": "1990-03-01", "note": "жалоба от Иванова Ивана Ивановича"},
	}
	r := anonymize.NewRedactor(anonymize.WithDefaultOperator(anonymize.Replace("***")))
	out, _, err := kanon.Depersonalize(rows, kanon.Schema{
		Identifiers:      []string{"iin"},
		QuasiIdentifiers: []kanon.QuasiIdentifier{{Name: "born", Hierarchy: kanon.DateHierarchy{}}},
		Sensitive:        []string{"note"},
	}, 2, kanon.WithRedactor(r))
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range out {
		fmt.Println(row["born"], row["note"])
	}
	// Output:
	// 1990 перезвонить на ***
	// 1990 жалоба от ***
}
