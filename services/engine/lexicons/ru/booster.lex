# Russian boosters.
@version 1.1.0
@language ru

booster  ru.b.nesomnenno   1.0  (несомненно|безусловно|бесспорно|очевидно|определенно|разумеется|конечно|безоговорочно)
booster  ru.b.yasno        1.0  (ясно что|ясно, что|совершенно ясно|вне всякого сомнения|вне сомнений)
booster  ru.b.somneniy_net 1.0  сомнени* [0-3] нет
booster  ru.b.uveren       0.8  (уверен|уверены|убежден|убеждены) в том
