CODES = {
    "discovery.too_many": "提交太频繁了，请稍后再试。如情况紧急请拨打110或当地民政服务热线。",
    "discovery.lookups": "查询太频繁了，或输错编号的次数太多。为保护报告人和当事人，请一小时后再试；"
    "如情况紧急请拨打110或当地民政服务热线。",
    "discovery.situation": "请选择遇到的困难。",
    "discovery.age": "年龄请填写0到120之间的数字。",
    "discovery.where": "请使用定位，或填写地址、标志性地点。",
    "discovery.closed": "该报告已经办结。",
    "discovery.findings": "请填写走访情况。",
    "discovery.decision": "请选择处理决定。",
    "discovery.unrouted": "请先把报告分派到社区。",
    "discovery.reason": "请填写原因。",
    "discovery.status.new": "已收到，等待分派",
    "discovery.status.assigned": "已安排上门",
    "discovery.status.visited": "已上门",
    "discovery.status.closed": "已办结",
    "discovery.status.merged": "已合并到同一情况的报告",
    "discovery.status.spam": "无效报告",
}
EN = {
    "提交太频繁了，请稍后再试。如情况紧急请拨打110或当地民政服务热线。": "Too many reports from here; please try later. In an emergency call 110.",
    "查询太频繁了，或输错编号的次数太多。为保护报告人和当事人，请一小时后再试；如情况紧急请拨打110或当地民政服务热线。": (
        "Too many look-ups, or too many wrong reference numbers, from here. To protect the people concerned, "
        "please try again in an hour. In an emergency call 110 or the local civil-affairs hotline."
    ),
    "请选择遇到的困难。": "Please choose the difficulty.",
    "请使用定位，或填写地址、标志性地点。": "Use your location, or type an address or landmark.",
    "已收到，等待分派": "Received, waiting to be assigned",
    "已安排上门": "A home visit is arranged",
    "已办结": "Closed",
    "主动发现": "Report someone in need",
    "发现身边需要帮助的人，告诉我们": "Tell us about someone near you who needs help",
    "发现身边需要帮助的人": "Someone near you needs help",
    "提交": "Submit",
    "报告进展": "Report progress",
}
