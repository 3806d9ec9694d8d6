/* store_<WS>_<PS>: the derivative filters' sums (work type W) as pixels P. RND: floats to
   integers rounded half to even (OpenCV's cvRound), NaN to the lowest value (cvRound gives
   INT_MIN, saturated); SAT: clamped to [LO, HI] (OpenCV's saturate_cast); else a plain
   conversion. Expanded by tools/expand_template.py into deriv_store_instances.h.
   instances:
     WS=i16 W=int16_t PS=u8  P=uint8_t  RND=0 SAT=1 LO=0      HI=255
     WS=i16 W=int16_t PS=u16 P=uint16_t RND=0 SAT=1 LO=0      HI=65535
     WS=i16 W=int16_t PS=i16 P=int16_t  RND=0 SAT=0 LO=-32768 HI=32767
     WS=i16 W=int16_t PS=f32 P=float    RND=0 SAT=0 LO=0      HI=0
     WS=i16 W=int16_t PS=f64 P=double   RND=0 SAT=0 LO=0      HI=0
     WS=i32 W=int32_t PS=u8  P=uint8_t  RND=0 SAT=1 LO=0      HI=255
     WS=i32 W=int32_t PS=u16 P=uint16_t RND=0 SAT=1 LO=0      HI=65535
     WS=i32 W=int32_t PS=i16 P=int16_t  RND=0 SAT=1 LO=-32768 HI=32767
     WS=i32 W=int32_t PS=f32 P=float    RND=0 SAT=0 LO=0      HI=0
     WS=i32 W=int32_t PS=f64 P=double   RND=0 SAT=0 LO=0      HI=0
     WS=f32 W=float   PS=u8  P=uint8_t  RND=1 SAT=1 LO=0      HI=255
     WS=f32 W=float   PS=u16 P=uint16_t RND=1 SAT=1 LO=0      HI=65535
     WS=f32 W=float   PS=i16 P=int16_t  RND=1 SAT=1 LO=-32768 HI=32767
     WS=f32 W=float   PS=f32 P=float    RND=0 SAT=0 LO=0      HI=0
     WS=f32 W=float   PS=f64 P=double   RND=0 SAT=0 LO=0      HI=0
     WS=f64 W=double  PS=u8  P=uint8_t  RND=1 SAT=1 LO=0      HI=255
     WS=f64 W=double  PS=u16 P=uint16_t RND=1 SAT=1 LO=0      HI=65535
     WS=f64 W=double  PS=i16 P=int16_t  RND=1 SAT=1 LO=-32768 HI=32767
     WS=f64 W=double  PS=f32 P=float    RND=0 SAT=0 LO=0      HI=0
     WS=f64 W=double  PS=f64 P=double   RND=0 SAT=0 LO=0      HI=0
*/
static void store_@WS@_@PS@(const W *acc, void *dst, size_t n) {
    P *d = (P *)dst;
    for (size_t i = 0; i < n; i++) {
#if RND
        const W v = DERIV_RINT(acc[i]);
        d[i] = (P)(v >= LO ? (v <= HI ? v : HI) : LO);
#elif SAT
        const W v = acc[i];
        d[i] = (P)(v >= LO ? (v <= HI ? v : HI) : LO);
#else
        d[i] = (P)acc[i];
#endif
    }
}
