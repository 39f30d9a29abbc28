/* placeholder */ int placeholder_querier(void); int placeholder_querier(void) { return 0; }
