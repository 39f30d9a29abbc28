/* placeholder */ int placeholder_timerq(void); int placeholder_timerq(void) { return 0; }
