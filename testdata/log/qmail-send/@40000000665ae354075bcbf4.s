@40000000665ae31a0608b744 status: local 0/10 remote 0/20
@40000000665ae31b061b8b94 new msg 1001
@40000000665ae31b062e5fe4 info msg 1001: bytes 1234 from <alice@example.com> qp 4101 uid 1000
@40000000665ae31b06413434 starting delivery 1: msg 1001 to local example.com-alice@example.com
@40000000665ae31b06540884 status: local 1/10 remote 0/20
@40000000665ae31c0666dcd4 delivery 1: success: did_0+0+1/
@40000000665ae31c0679b124 status: local 0/10 remote 0/20
@40000000665ae31c068c8574 end msg 1001
@40000000665ae321069f59c4 new msg 1002
@40000000665ae32106b22e14 info msg 1002: bytes 20480 from <alice@example.com> qp 4102 uid 1000
@40000000665ae32106c50264 starting delivery 2: msg 1002 to remote bob@example.net
@40000000665ae32106d7d6b4 status: local 0/10 remote 1/20
@40000000665ae32406eaab04 delivery 2: deferral: Connected_to_192.0.2.25_but_greeting_failed./Remote_host_said:_421_mx.example.net_busy,_try_later/
@40000000665ae32406fd7f54 status: local 0/10 remote 0/20
@40000000665ae326071053a4 starting delivery 3: msg 999 to remote old@example.org
@40000000665ae326072327f4 status: local 0/10 remote 1/20
@40000000665ae3270735fc44 delivery 77: success: 192.0.2.9_accepted_message./Remote_host_said:_250_ok/
@40000000665ae3280748d094 delivery 3: success: 192.0.2.8_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_ABC123/
@40000000665ae328075ba4e4 status: local 0/10 remote 0/20
@40000000665ae328076e7934 end msg 999
tcpserver: status: 1/40
@40000000665ae32907814d84 some other program wrote this line
@zzzz not a label
@40000000665ae329079421d4 delivery x: success: not a number
@40000000665ae33307a6f624 new msg 2000
@40000000665ae33307b9ca74 info msg 2000: bytes 5120 from <newsletter@shop.example> qp 4200 uid 1001
@40000000665ae33307cc9ec4 starting delivery 4: msg 2000 to remote dave@slow.example
@40000000665ae33307df7314 status: local 0/10 remote 1/20
@40000000665ae33307f24764 starting delivery 5: msg 2000 to remote erin@example.net
@40000000665ae33308051bb4 status: local 0/10 remote 2/20
@40000000665ae3350817f004 delivery 5: success: 192.0.2.25_accepted_message./Remote_host_said:_250_ok_1717232401_qp_777/
@40000000665ae335082ac454 status: local 0/10 remote 1/20
@40000000665ae353083d98a4 delivery 4: deferral: 198.51.100.7_does_not_like_recipient./Remote_host_said:_450_4.2.0_<dave@slow.example>:_Recipient_address_rejected:_Greylisted/
@40000000665ae35308506cf4 status: local 0/10 remote 0/20
