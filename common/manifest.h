/*
 * source = src/index.ts: nanod never runs node. The build output is
 * DIR/.nanod-build/APP.js (scripts/nanod-build -c apps.ini writes it), with
 * APP.js.manifest: "size mtime_ms path" per input (lines starting with '#'
 * are comments), paths relative to the manifest. config.c runs that output,
 * refused when missing or stale (an input changed, or the manifest does not
 * list the source). Pure: callable anywhere.
 */
#ifndef ND_MANIFEST_H
#define ND_MANIFEST_H

#include <stddef.h>

/* 1 when the manifest at mpath is current (every input has its recorded size
 * and mtime) and lists src; else 0 with why ("src/x.ts changed", "no PATH",
 * "PATH: bad line ..."). */
int nd_manifest_current(const char *mpath, const char *src, char *why, size_t whysize);

#endif
