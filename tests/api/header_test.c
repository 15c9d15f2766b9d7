/* The public header compiles on its own, first, with nothing before it. */
#include <libstream/libstream.h>

int main(void)
{
    LStreamSettings s;
    (void)s;
    return LSTREAM_VERSION_MAJOR == 0 && sizeof(LStreamRung) > 0 ? 0 : 1;
}
