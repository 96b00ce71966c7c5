// Prints the ids of by-item queries over the grid of same_ids.sh (Go binding).
package main

import (
	"fmt"
	"os"
	"strconv"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

func main() {
	dim, _ := strconv.Atoi(os.Args[2])
	items, _ := strconv.Atoi(os.Args[3])
	idx, err := annoy.New(dim, annoy.Angular)
	if err != nil {
		panic(err)
	}
	defer idx.Close()
	if err := idx.Load(os.Args[1]); err != nil {
		panic(err)
	}
	nItems := idx.NItems()
	for item := 0; item < items; item++ {
		for _, n := range []int{0, 1, 10, nItems, nItems + 7, 1000} {
			for _, sk := range []int{-1, -2, -7, 0, 5, 100, 2000000000} {
				res, err := idx.QueryItem(item, n, sk)
				if err != nil {
					panic(err)
				}
				fmt.Printf("%d %d %d:", item, n, sk)
				for _, r := range res {
					fmt.Printf(" %d", r.ID)
				}
				fmt.Println()
			}
		}
	}
}
