/*
 * elf-compact: rewrite an ELF64 executable so that its PT_LOAD segments follow
 * each other in the file at 4 KiB page alignment.
 *
 * x86_64 vmlinux is linked with -z max-page-size=0x200000 (arch/x86/Makefile:
 * "The 64-bit kernel must be aligned to 2MB"), which pads the *file* so that
 * each segment's offset is congruent to its address modulo 2 MiB: ~6 MiB of
 * zeros in a guest kernel whose segments hold ~8 MiB. The alignment that
 * matters at run time is that of the physical load address (p_paddr), which
 * is unchanged here; a loader that maps the file (gABI "Program Loading")
 * only needs p_offset == p_vaddr modulo p_align, kept with p_align = 4096.
 * Section headers are dropped (a stripped kernel's are of no use to a VMM);
 * notes and every other segment are re-pointed into the moved PT_LOADs.
 *
 * usage: elf-compact IN OUT
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

static void die(const char *what)
{
	fprintf(stderr, "elf-compact: %s\n", what);
	exit(1);
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "elf-compact: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (fseek(f, 0, SEEK_END) != 0)
		die("cannot seek the input");
	long length = ftell(f);
	if (length < (long)sizeof(Elf64_Ehdr))
		die("input is too short for an ELF header");
	rewind(f);
	unsigned char *data = malloc((size_t)length);
	if (!data || fread(data, 1, (size_t)length, f) != (size_t)length)
		die("cannot read the input");
	fclose(f);
	*size = (size_t)length;
	return data;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		die("usage: elf-compact IN OUT");
	size_t in_size;
	unsigned char *in = read_file(argv[1], &in_size);
	Elf64_Ehdr eh;
	memcpy(&eh, in, sizeof eh);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		die("input is not an ELF64 file");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > in_size)
		die("bad program header table");

	Elf64_Phdr *ph = calloc(eh.e_phnum, sizeof *ph);
	uint64_t *new_offset = calloc(eh.e_phnum, sizeof *new_offset);
	if (!ph || !new_offset)
		die("out of memory");
	memcpy(ph, in + eh.e_phoff, eh.e_phnum * sizeof *ph);

	/* Layout: ELF header, program headers, then each PT_LOAD at the next offset
	 * with the same page offset as its address. */
	uint64_t next = sizeof(Elf64_Ehdr) + eh.e_phnum * sizeof(Elf64_Phdr);
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset + ph[i].p_filesz > in_size)
			die("a PT_LOAD segment runs past the end of the file");
		uint64_t want = ph[i].p_vaddr % PAGE;
		uint64_t off = (next & ~(uint64_t)(PAGE - 1)) + want;
		if (off < next)
			off += PAGE;
		new_offset[i] = off;
		next = off + ph[i].p_filesz;
	}
	/* Every other segment with file contents must lie inside a PT_LOAD. */
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD || ph[i].p_filesz == 0)
			continue;
		int found = 0;
		for (int j = 0; j < eh.e_phnum && !found; j++) {
			if (ph[j].p_type == PT_LOAD && ph[i].p_offset >= ph[j].p_offset &&
			    ph[i].p_offset + ph[i].p_filesz <= ph[j].p_offset + ph[j].p_filesz) {
				new_offset[i] = new_offset[j] + (ph[i].p_offset - ph[j].p_offset);
				found = 1;
			}
		}
		if (!found)
			die("a non-PT_LOAD segment with contents is not inside any PT_LOAD segment");
	}

	unsigned char *out = calloc(1, next);
	if (!out)
		die("out of memory");
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD)
			memcpy(out + new_offset[i], in + ph[i].p_offset, ph[i].p_filesz);
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_filesz != 0 || ph[i].p_type == PT_LOAD)
			ph[i].p_offset = new_offset[i];
		if (ph[i].p_type == PT_LOAD && ph[i].p_align > PAGE)
			ph[i].p_align = PAGE;
	}
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = SHN_UNDEF;
	memcpy(out, &eh, sizeof eh);
	memcpy(out + eh.e_phoff, ph, eh.e_phnum * sizeof *ph);

	FILE *f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, next, f) != next || fclose(f) != 0) {
		fprintf(stderr, "elf-compact: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
