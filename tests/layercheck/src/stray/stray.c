// SPDX-License-Identifier: GPL-2.0-only
/* A source outside every layer folder: the check names it. */
int stray(void)
{
	return 0;
}
