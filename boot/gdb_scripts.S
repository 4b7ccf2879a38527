/* boot/gdb_scripts.S: gort's gdb extension, inside every gort program.
 *
 * gdb reads the .debug_gdb_scripts section of each file it loads and runs
 * the scripts listed there (gdb manual, "The .debug_gdb_scripts section").
 * An entry of type 4 holds a Python script's text: one byte 4, the script's
 * name and a newline, the text, a NUL. We embed scripts/gort-gdb.py whole
 * rather than its path (type 1, what Go's linker writes): the script then
 * always matches the runtime the program was linked with, and works the same
 * from the build tree, an installed prefix or a copied binary. gdb still
 * runs it only if its auto-load safe-path allows the program's file
 * (gort-gdb(7) gives the line to add).
 *
 * The section is not allocated (no SHF_ALLOC): it costs disk, not memory,
 * and `strip --strip-debug` removes it with the debug information the script
 * needs anyway. "MS" with entry size 1 lets the linker merge identical
 * entries, should two objects carry it. The crt is linked into every program
 * exactly once; libgort.a's objects are pulled in only when referenced,
 * which is why the entry lives here. */
	.pushsection .debug_gdb_scripts, "MS", @progbits, 1
	.byte	4			/* SECTION_SCRIPT_ID_PYTHON_TEXT */
	.ascii	"gort-gdb.py\n"		/* the script's name, for `info auto-load` */
	.incbin	"scripts/gort-gdb.py"	/* relative to the top of the tree */
	.byte	0
	.popsection

	.section .note.GNU-stack,"",@progbits
