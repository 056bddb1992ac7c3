#include <stdio.h>
int main(void)
{
	puts("parity: under construction");
	return 0;
}
