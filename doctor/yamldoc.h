/* A compose file's YAML, read as docker-compose reads it (PyYAML's safe_load, YAML
 * 1.1): libyaml parses, and each node becomes a jansson value. Pure: no I/O. */
#ifndef VOLOWN_DOCTOR_YAMLDOC_H
#define VOLOWN_DOCTOR_YAMLDOC_H

#include <jansson.h>
#include <stddef.h>

/* How many values a file may expand to through its aliases. A compose file of any
 * real size stays far below; nine levels of nine references (an "alias bomb") do not. */
#define YAML_MAX_VALUES 100000u
/* How deep mappings and sequences may nest. */
#define YAML_MAX_DEPTH 200

/* Parse TEXT (LEN bytes; NAME in messages) into a JSON tree:
 * - mappings become objects, sequences arrays;
 * - plain scalars are typed by YAML 1.1's rules, as PyYAML types them: yes/no/on/off/
 *   true/false in any of their three spellings are booleans, ~/null/empty are null,
 *   decimal, 0b, 0x, 0-octal and base-60 (1:30) numbers are integers, 1.5, .inf and
 *   1:30.5 are reals; quoted scalars stay strings;
 * - anchors and aliases are resolved by sharing the value, never by copying it; "<<"
 *   merges the keys of the maps it names that are not already there;
 * - the values of top-level keys starting with "x-" (extension fields, which compose
 *   never reads) are left out.
 * Errors (*err owned, NULL returned) name NAME, the line and the column: a syntax
 * error, invalid UTF-8, a control character, a second document (compose refuses
 * those), an alias inside the node it names, nesting deeper than YAML_MAX_DEPTH, or a
 * tree that would expand to more than MAX_VALUES values. */
json_t *yaml_load(const char *text, size_t len, const char *name, size_t max_values, char **err);

/* How many values TREE holds when every shared value is counted at each place it
 * appears, stopping at LIMIT + 1. */
size_t json_expanded_size(const json_t *tree, size_t limit);

#endif
