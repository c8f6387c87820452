/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
int main(void)
{
        puts("husk-runtime version " HUSK_VERSION);
        return 0;
}
