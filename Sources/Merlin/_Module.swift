// Module Merlin: see Sources/Merlin/*.swift and ../shared/DESIGN.md. (This file only gives the module its first source file; the helper that fills the module replaces it.)
