"""Notice and consent: the privacy notice (个人信息处理规则), the short notice of each service, and the
consent of every household member to the household economic-status check (PIPL arts. 13-17, 28-31)."""
