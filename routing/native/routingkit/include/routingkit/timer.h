#ifndef ROUTING_KIT_TIMER_H
#define ROUTING_KIT_TIMER_H

namespace RoutingKit{

long long get_micro_time();

} // RoutingKit

#endif
