package pgledger

import "io/fs"

func FsGlob() ([]string, error) { return fs.Glob(Migrations(), "*") }
