/* placeholder */ int placeholder_igmp_packet(void); int placeholder_igmp_packet(void) { return 0; }
